"""The conversation core every channel shares: SMS (the Twilio webhook, the simulator,
``manage.py sms``) today, USSD, WhatsApp and voice later.

Three steps, each in its own module:

    understanding.understand(text)       -> Request   what the text asks, names resolved
    acting.act(request, subscriber, ...) -> Outcome   does it; a structured answer
    a channel renders the answer         -> its text  SMS: replies.render (one segment)

Understanding and acting never format text; rendering never queries. A new command
touches the three steps (its words, what it does, how each channel says it); a new
channel touches none of them, only its adapter and renderer.
"""
