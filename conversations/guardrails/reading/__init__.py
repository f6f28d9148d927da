"""What the detector reads a message with: word rules (`rules`) and sentences written for
each kind of concern and for ordinary grief talk (`prototypes`), compared by meaning with
the project's local embedding model (`similarity`)."""
