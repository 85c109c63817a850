package store

// apiTokenMigration is schema version 7. (Placeholder: the feature fills it in.)
func apiTokenMigration() migration {
	return migration{version: 7, name: "api_tokens"}
}
