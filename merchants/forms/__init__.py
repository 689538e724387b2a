"""HTML input validation for the merchant pages, by sub-domain: accounts, regions (the county
chooser every app uses), merchants, declarations, and the regulator's list filters. Forms check
input; services decide and save."""
