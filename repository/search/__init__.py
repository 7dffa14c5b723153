"""Search: Whoosh index of published materials through django-haystack, with Vietnamese folding."""
