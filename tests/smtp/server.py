"""A real SMTP server for lendhub's tests, built on aiosmtpd.

It accepts mail on 127.0.0.1:PORT, keeps each message in a Maildir under DIR, and appends one JSON
line per message to DIR/messages.jsonl (recipients, subject, Message-ID and the decoded text and
HTML parts) for the tests to read. Like a real server refusing an address that does not exist, it
answers 550 to recipients whose address starts with "reject".

    python3 tests/smtp/server.py --port 2525 --dir mail-out
"""

import argparse
import email
import email.policy
import json
import mailbox
import signal
import threading

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.maildir = mailbox.Maildir(f"{directory}/maildir", create=True)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        }
        with self.lock:
            self.maildir.add(envelope.original_content)
            with open(f"{self.directory}/messages.jsonl", "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    controller = Controller(Handler(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
