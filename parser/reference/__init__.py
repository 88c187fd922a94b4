"""Reference data shipped beside the documents: the official project lists and the municipality key."""

#: The corpus sub-folder that holds the reference data (project lists, municipality key):
#: data for ``esr build``, not documents.
REFERENCE_FOLDER = "reference"
