"""Search: a Xapian index of materials and print records through django-haystack, Vietnamese-aware.

- `vietnamese`: the Vietnamese analysis (syllables, folding, i/y and tone-placement variants, exact
  forms, bigrams), in Python, for the prepared index fields and the query;
- `fields`: `PreparedTermsField`, the ranked fields holding those terms;
- `text`: `fold_vietnamese` and the result snippets (tokenized and highlighted with Whoosh's analysis);
- `expressions`: `Term`, `AnyOf`, `AllOf`: the queries Hoclieu asks, independent of the engine;
- `backend`: the haystack engine (HAYSTACK_CONNECTIONS ENGINE) on Xapian, with a patient writer;
- `signals`: the haystack signal processor that keeps the index in step with publication;
- `query`: `search_materials(user, query, filters)`, limited to what the user may see;
- `forms`, `indexing`: the search page's form; full (re)indexing for commands and the demo.

The index itself is repository/search_indexes.py; the page is repository/views/search.py.
"""
