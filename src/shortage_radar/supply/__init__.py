"""The supply side: lead times, inbound POs, stock projection, warnings, orders, ETAs."""
