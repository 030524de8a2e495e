"""The semantic model of a file: one statement walker (`statements`), scopes and their bindings
(`scopes`), and the abstract values rules and the facts collector read (`values`), built in the
engine's one traversal (`model.SemanticModel`). It reads no rule."""
