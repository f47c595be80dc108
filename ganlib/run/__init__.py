"""One run: the Runner (its thread, its mailbox and its snapshots), its states, its records and its checkpoint
payload. It knows nothing of visitors or servers; classroom/ decides who may send it commands."""
