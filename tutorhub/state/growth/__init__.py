"""Growth: ad slots and offers on public pages, the admin pages for campaigns, advertisers and offers."""
