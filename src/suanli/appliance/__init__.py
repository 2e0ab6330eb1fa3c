"""The all-in-one appliance: ``suanli up`` runs API, controllers and console in one process."""
