"""DET1xx: seeding and random number generators."""
