"""The change log: the hash chain and its checkpoints (chain), who acts (context, with its
middleware), what is recorded (signals, audited_update), archives and verification (archive), the
audit administrator's pages (views). The models are in skilleval/models/changelog.py."""
