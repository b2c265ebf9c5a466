"""Issue 16, talking to suppliers, merchants and customers.

recipients   who a mail goes to: address, name, language, which audience
mail         the outbox: `queue_mail` in the event's unit of work, the `send_mail` job
board        the notification boards (the merchant's, each supplier's): post, count, read
"""
