"""Exports of filtered timesheet lists as CSV, XLSX, PDF and HTML, streamed with flat memory."""
