"""Schema of `rules/ordering.yaml`: directory listings whose order is arbitrary, sets whose order follows
string hashing, and how each kind of call treats the order of a value it receives (read by DET303 and
DET304 through `detlint.checks.det3_order._ordered_use`)."""

from detlint.catalogs.schemas.fields import Schema, is_bool, is_str, list_of_str, one_of

CONSUMER_EFFECTS = (
    "sorts", "ignores-order", "diagnostic", "preserves-order", "keeps-order-as-mapping", "uses-order", "builds-table",
    "loads-in-order",
)  # fmt: skip
TABLE_METHOD_EFFECTS = ("sorts", "ignores-order", "rows", "uses-order")
VALUE_METHOD_EFFECTS = ("sorts", "preserves-order", "ignores-order", "uses-order", "set-algebra", "views", "collects")
LOOP_EFFECTS = ("collects", "uses-order", "ignores-order")
ASSERTION_EFFECTS = ("ignores-order", "compares-order")

SCHEMA: dict[str, Schema] = {
    "ordering": {
        # Calls that list a directory: `callables` are qualified names, `methods` are methods of a
        # pathlib path. `returns` says what the items are: plain names, paths, os.DirEntry objects,
        # or os.walk-style (dirpath, dirnames, filenames, ...) tuples.
        "listings": {
            "callables": (list_of_str, False),
            "methods": (list_of_str, False),
            "returns": (one_of("names", "paths", "entries", "walk"), True),
            "sort_hint": (is_str, True),
            "since": (is_str, False),
            # a pattern without wildcards names one path, so the order of the result cannot matter
            "literal_names_one_path": (is_bool, False),
        },
        # What makes a receiver a pathlib path (so that `.glob()` on it is a listing).
        "path_types": {
            "module": (is_str, True),
            "constructors": (list_of_str, True),
            "annotations": (list_of_str, True),
            "path_methods": (list_of_str, True),
            "path_attributes": (list_of_str, True),
        },
        # Path-like objects whose listings do not read a file system (`.iterdir()` on them is no listing).
        "archive_paths": {
            "constructors": (list_of_str, True),
            "annotations": (list_of_str, True),
        },
        # Test assertions: order-free ones, and comparisons that depend on the order of a sequence.
        "assertions": {
            "callables": (list_of_str, False),
            "methods": (list_of_str, False),
            "effect": (one_of(*ASSERTION_EFFECTS), True),
        },
        # Calls that receive an ordered value as an argument, and what they do with its order.
        "consumers": {
            "callables": (list_of_str, False),
            "methods": (list_of_str, False),
            # module constants the methods are called on (`os.pathsep.join`): a value, not a callable
            "receivers": (list_of_str, False),
            "effect": (one_of(*CONSUMER_EFFECTS), True),
            "arguments": (one_of("first", "all", "after-first"), False),
            # the keyword that may pass the first argument instead (`DataLoader(dataset=...)`)
            "keyword": (is_str, False),
            # methods that count only on an object one of these made (`pool = Pool()`; `with ... as pool`)
            "made_by": (list_of_str, False),
            # joins the items of its argument into one sequence (`numpy.concatenate`): an item's order
            # becomes the result's
            "joins": (is_bool, False),
            # only these keyword arguments get the effect; any other is judged as passed to the callee
            "keywords": (list_of_str, False),
            "same_type": (is_bool, False),
            "reason": (is_str, False),
            # the most confidence a use may have where the callee's treatment of the order is a guess
            "confidence": (one_of("medium", "low"), False),
            # zip-like: arguments that all carry one source's order stay matched item by item
            "aligns_one_source": (is_bool, False),
            # shuffles and samples from a library's global generator
            "draws": (is_bool, False),
            # reorders its argument in place (random.shuffle): the name's order is the shuffle's afterwards
            "in_place": (is_bool, False),
        },
        # Methods called on the ordered value itself.
        "value_methods": {
            "methods": (list_of_str, True),
            "effect": (one_of(*VALUE_METHOD_EFFECTS), True),
            "reason": (is_str, False),
            # views: what a view of a mapping holds
            "holds": (one_of("keys", "values", "pairs"), False),
        },
        # Methods of a table whose rows came in an arbitrary order (not listed: the rows keep it).
        "table_methods": {
            "methods": (list_of_str, True),
            "effect": (one_of(*TABLE_METHOD_EFFECTS), True),
            "reason": (is_str, False),
        },
        # Attributes of such a table that hold its rows in its order.
        "tables": {"row_attributes": (list_of_str, True)},
        # Environment variables that hold search paths: a listing written into one only sets which
        # directory wins when two hold a file of the same name.
        "search_paths": {"mapping": (is_str, True), "variables": (list_of_str, True)},
        # Statements in the body of a loop over an ordered value: which make the loop order-sensitive.
        "loop_effects": {
            "callables": (list_of_str, False),
            "methods": (list_of_str, False),
            "effect": (one_of(*LOOP_EFFECTS), True),
            "reason": (is_str, False),
        },
        # Calls that return what a person types: a loop that stops on one stops when the person says.
        "user_inputs": {"callables": (list_of_str, True)},
        # Set constructors, annotations that declare a set, and methods that combine sets.
        "sets": {
            "callables": (list_of_str, True),
            "annotations": (list_of_str, True),
            "algebra_methods": (list_of_str, True),
            "insert_methods": (list_of_str, True),
        },
        # Methods of a dict that return the value stored under a key.
        "mappings": {"lookup_methods": (list_of_str, True)},
        # Element types whose hash is salted per process (str, bytes) or stable (numbers), and calls
        # that produce them (one value, or an iterable of them).
        "hash_types": {
            "hash": (one_of("randomized", "stable"), True),
            "callables": (list_of_str, False),
            "methods": (list_of_str, False),
            "iterable_callables": (list_of_str, False),
            "iterable_methods": (list_of_str, False),
        },
    },
}
