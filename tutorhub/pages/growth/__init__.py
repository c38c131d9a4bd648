"""Growth pages: the admin pages for campaigns, advertisers and offers."""
