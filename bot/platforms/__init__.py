"""Chat platforms: the only package allowed to import slack_bolt, slack_sdk or botbuilder."""
