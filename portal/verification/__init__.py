"""Did this solve your need? Those who asked for a released idea answer yes or no, with an
optional comment; staff read the answers, and a setting may close an idea that most found solved."""
