"""The staff web app: the review queue, decisions, the map's data and headline figures."""
