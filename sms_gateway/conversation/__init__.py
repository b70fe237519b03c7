"""The conversation core every channel shares: SMS, WhatsApp and Telegram (through the
shared inbound path), USSD menus, the simulator, ``manage.py sms`` and the ask API.

Three steps:

    understanding.understand(text)       -> Request   what the text asks, names resolved
    acting.act(request, subscriber, ...) -> Outcome   does it; a structured answer
    the channel renders the answer       -> its text  sms_gateway.channels: Channel.render

Understanding and acting never format text; rendering never queries. The core imports
no channel and nothing that sends; which commands only read is said in
``acting.COMMANDS``, and the language of every reply by ``language.reply_language``. A
new command touches the three steps (its words, what it does, how each renderer says
it); a new channel touches none of them (see sms_gateway.channels).
"""
