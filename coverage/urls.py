from django.urls import path  # noqa: F401

app_name = "coverage"

urlpatterns = []

# --- dashboards (region, office, league table, action list, API) ---
# (the dashboards work adds its patterns here)
# --- end dashboards ---

# --- entry (entry grid, import, verification, tracker) ---
# (the entry work adds its patterns here)
# --- end entry ---
