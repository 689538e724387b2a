"""HTML input of the ratings pages, by audience: the merchant's and the regulator's."""

# The longest text a person writes in one field, in the forms and the API alike.
TEXT_MAX = 4000
