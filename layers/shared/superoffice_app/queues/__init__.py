"""The SQS queues between the functions, and the messages they carry.

- ``messages``: SyncQueue's messages (a sync, a changed record, a notification's
  follow-up), parsed strictly; the producers (onboarding, lifecycle) and the consumer
  (sync) share this contract and nothing else.
- ``sqs``: ``SyncQueue``, sending single messages with a delay and batches with jitter;
  ``send_sync`` for callers whose own work must not fail when SQS refuses.
"""
