package store

// portalMigration is schema version 6. (Placeholder: the feature fills it in.)
func portalMigration() migration {
	return migration{version: 6, name: "portal"}
}
