"""Glyph widths of the standard Helvetica font (from Adobe's AFM metrics), in 1/1000 em, by
Windows-1252 code: the PDF writer measures text with them to wrap and align cells."""

from __future__ import annotations

_ASCII = (
    # 32-63: space ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    # 64-95: @ A-Z [ \ ] ^ _
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    # 96-126: ` a-z { | } ~
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_HIGH = (
    # 127-159: unused, Euro, unused, quotesinglbase, florin, quotedblbase, ellipsis, dagger, daggerdbl,
    # circumflex, perthousand, Scaron, guilsinglleft, OE, unused, Zcaron, unused, unused, quoteleft,
    # quoteright, quotedblleft, quotedblright, bullet, endash, emdash, tilde, trademark, scaron,
    # guilsinglright, oe, unused, zcaron, Ydieresis
    350, 556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611,
    350, 350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
    # 160-191: nbsp, inverted marks, currency signs, section, dieresis, copyright, guillemets, hyphen,
    # registered, degree, plusminus, superscripts, acute, mu, paragraph, cedilla, fractions
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    # 192-223: accented capitals A to Y, AE, Eth, multiply, Oslash, Thorn, germandbls
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    # 224-255: accented small letters a to y, ae, eth, divide, oslash, thorn, ydieresis
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
)  # fmt: skip

HELVETICA: tuple[int, ...] = (278,) * 32 + _ASCII + _HIGH
# Helvetica-Bold is about a tenth wider; headers and totals are measured with this factor.
BOLD_FACTOR = 1.1

assert len(HELVETICA) == 256
