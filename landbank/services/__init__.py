"""One function per user action. Each opens its transaction, loads, calls the domain,
writes with history. The CLI and the web service both call these."""
