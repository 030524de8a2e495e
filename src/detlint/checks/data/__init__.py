"""DET3xx: data pipelines (workers, tf.data)."""
