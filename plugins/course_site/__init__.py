"""MkDocs plugin `course`: lesson front matter becomes ordered, validated navigation."""
