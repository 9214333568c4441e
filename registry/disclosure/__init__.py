"""Public disclosure (信息公开): open data, FHIR, Atom feeds, QR codes, the change feed."""
