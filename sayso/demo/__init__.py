"""The demo: Haulright Truck Rental, an organization with data in every app (``sayso demo``,
run by ``make run``). It sits above every app and may import any of them; no app imports it."""
