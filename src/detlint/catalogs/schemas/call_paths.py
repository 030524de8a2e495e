from detlint.catalogs.schemas.fields import Schema, argument_ref, is_bool, is_str, list_of_str, one_of

SCHEMA: dict[str, Schema] = {
    "call_paths": {
        "instance_calls": {
            "bases": (list_of_str, True),
            "method": (is_str, True),
            "frameworks": (list_of_str, True),
        },
        "self_hooks": {
            "methods_called": (list_of_str, True),
            "runs": (list_of_str, True),
            "frameworks": (list_of_str, True),
        },
        "returning_self": {
            "methods": (list_of_str, True),
            "frameworks": (list_of_str, True),
        },
        "containers": {
            "builders": (list_of_str, True),
            "frameworks": (list_of_str, True),
        },
        "wrappers": {
            "callables": (list_of_str, False),
            "wraps": (argument_ref, False),  # the argument a wrapping callable returns or runs
            "methods": (list_of_str, False),
            "receivers": (list_of_str, False),
            "returns_arguments": (is_bool, False),  # a method that returns each positional argument, in order
            "frameworks": (list_of_str, True),
        },
        "training": {
            "methods": (list_of_str, False),
            "callables": (list_of_str, False),
            "receivers": (list_of_str, False),
            "frameworks": (list_of_str, True),
            "trains": (one_of("torch", "tensorflow", "jaxlib"), True),  # whose ops' backward passes run
            "updates_weights": (is_bool, False),  # false: gradients only (a backward pass, jax.grad)
        },
        "hooks": {
            "builders": (list_of_str, True),
            "holds": (argument_ref, False),
            "runs_on": (list_of_str, True),
            "given": (argument_ref, False),
            "methods": (list_of_str, True),
            # Keywords of the builder whose callables make batches (`collate_fn`): no gradient
            # flows back into them, whatever call they are handed to.
            "batch_callbacks": (list_of_str, False),
        },
        "data_sources": {
            "callables": (list_of_str, False),
            "prefixes": (list_of_str, False),
            "suffixes": (list_of_str, False),
            "except": (list_of_str, False),  # fnmatch patterns of qualified names taken back
            "model": (is_bool, False),  # brings a model whose layers are not seen
            "weights_arguments": (list_of_str, False),  # reads stored weights only when one is passed
            "methods": (list_of_str, False),  # method names on any receiver
            "loads_weights": (is_bool, False),  # puts stored weights into a model
            "writes": (is_bool, False),  # writes a result out, reads nothing
            "exports": (is_bool, False),  # traces or exports a model: keeps a program, not computed numbers
            "mode_argument": (argument_ref, False),  # a file mode: opened only to write, it writes
        },
        "forward_only": {
            "callables": (list_of_str, True),
            "when_argument_false": (is_bool, False),
            "frameworks": (list_of_str, True),
        },
    }
}
