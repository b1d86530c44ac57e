"""Reports: time and money aggregated per day, month, user, customer, project and activity."""
