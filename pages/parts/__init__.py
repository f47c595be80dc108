"""Helpers of the pages (forms, the live panel, the lab's parts, access and sharing): kept out of pages/ itself, so
that the page list is what one sees first there, and so that no helper ever takes a page's address."""
