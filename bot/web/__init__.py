"""The web chat's page, script and style (served by bot.channels.web)."""
