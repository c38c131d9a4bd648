"""Platform settings an admin changes at run time (cancellation tiers, hold and approval times, the
dispute window, the trial discount, group credit rates, reminder offsets): the values and the
readers every lower domain consults. The admin page's use cases are services/ops/platform_settings.py."""
