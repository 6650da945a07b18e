from . import delivery_note
