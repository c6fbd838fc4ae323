"""Images people upload (a portal's logo, screenshots on ideas and comments): checked and
re-encoded by `images`, kept by a `storage` backend under opaque random keys, recorded by
`models.Attachment` and served only through views that apply the visibility rule."""
