"""USSD: menus a farmer walks with number keys, free on most networks and on every
handset; the gateway's protocol in gateways.py, the menus in menus.py."""
