"""Search: Whoosh index of published materials through django-haystack, with Vietnamese folding.

- `vietnamese`: the Vietnamese analysis (syllables, folding, i/y and tone-placement variants, exact
  forms, bigrams), in Python, for the prepared index fields and the query;
- `fields`: `PreparedTermsField`, the ranked fields holding those terms;
- `text`: `fold_vietnamese`, the Whoosh analyzer built on it (haystack's document field), result snippets;
- `backend`: the haystack engine (HAYSTACK_CONNECTIONS ENGINE) with that analyzer and a patient writer;
- `signals`: the haystack signal processor that keeps the index in step with publication;
- `query`: `search_materials(user, query, filters)`, limited to what the user may see;
- `forms`, `indexing`: the search page's form; full (re)indexing for commands and the demo.

The index itself is repository/search_indexes.py; the page is repository/views/search.py.
"""
