"""The server and its class: the registry of runs with its slots and queue, visitors and their keys, their
spaces, uploads and the disk budget, lesson links, watch links, and the page controls. Torch-free at import:
the first page paints before torch loads."""
