"""Growth: advertisers, ad campaigns and their serving, special offers, opt-in analytics."""
