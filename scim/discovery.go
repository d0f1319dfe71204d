package scim

// Discovery (RFC 7644 §4, RFC 7643 §5–7): what this service provider
// supports, exactly. They describe the protocol, not a school's data: they
// answer without a token.

import (
	"net/http"
	"strings"

	"passerelle/extranet"
)

func (h *Handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":        []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": MaxResults},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": false},
		"etag":           map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "Jeton de l'école",
			"description": "Le jeton d'API de l'école, donné par l'équipe de l'extranet, dans l'en-tête Authorization: Bearer JETON. Il désigne l'école : chaque jeton ne voit que les utilisateurs de son école.",
			"specUri":     "https://www.rfc-editor.org/info/rfc6750",
			"primary":     true,
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.baseURL(r) + "/ServiceProviderConfig"},
	})
}

func (h *Handler) userResourceType(r *http.Request) map[string]any {
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
		"id":          "User",
		"name":        "User",
		"endpoint":    "/Users",
		"description": "L'accès d'une personne à l'école du jeton pour l'année scolaire en cours",
		"schema":      coreUser,
		"schemaExtensions": []any{
			map[string]any{"schema": enterpriseUser, "required": false},
			map[string]any{"schema": extranetUser, "required": false},
		},
		"meta": map[string]any{"resourceType": "ResourceType", "location": h.baseURL(r) + "/ResourceTypes/User"},
	}
}

func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request) {
	writeList(w, []any{h.userResourceType(r)})
}

func (h *Handler) resourceType(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != "User" {
		writeError(w, notFound("type de ressource inconnu : seul User existe"))
		return
	}
	writeJSON(w, http.StatusOK, h.userResourceType(r))
}

func (h *Handler) schemas(w http.ResponseWriter, r *http.Request) {
	var out []any
	for _, s := range schemaDefs {
		out = append(out, withSchemaMeta(s, h.baseURL(r)))
	}
	writeList(w, out)
}

func (h *Handler) schema(w http.ResponseWriter, r *http.Request) {
	for _, s := range schemaDefs {
		// Schema URNs are compared without regard to case wherever a
		// request names them (paths, schemas lists): here too.
		if id, _ := s["id"].(string); strings.EqualFold(id, r.PathValue("id")) {
			writeJSON(w, http.StatusOK, withSchemaMeta(s, h.baseURL(r)))
			return
		}
	}
	writeError(w, notFound("schéma inconnu : "+strings.Join([]string{coreUser, enterpriseUser, extranetUser}, ", ")))
}

func withSchemaMeta(s map[string]any, base string) map[string]any {
	out := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}}
	for k, v := range s {
		out[k] = v
	}
	out["meta"] = map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + s["id"].(string)}
	return out
}

func writeList(w http.ResponseWriter, items []any) {
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas": []string{listSchema}, "totalResults": len(items), "startIndex": 1,
		"itemsPerPage": len(items), "Resources": items,
	})
}

// attr is one attribute definition (RFC 7643 §7).
func attr(name, typ, desc string, required, caseExact bool, mutability, returned, uniqueness string, sub ...map[string]any) map[string]any {
	a := map[string]any{
		"name": name, "type": typ, "multiValued": false, "description": desc, "required": required,
		"caseExact": caseExact, "mutability": mutability, "returned": returned, "uniqueness": uniqueness,
	}
	if len(sub) > 0 {
		list := make([]any, len(sub))
		for i, s := range sub {
			list[i] = s
		}
		a["subAttributes"] = list
		delete(a, "caseExact")
		delete(a, "uniqueness")
	}
	return a
}

func multi(a map[string]any) map[string]any { a["multiValued"] = true; return a }

func canonicalValues(a map[string]any, vs ...string) map[string]any {
	a["canonicalValues"] = vs
	return a
}

// schemaDefs are the schemas as supported: the attributes this service
// provider reads and returns, no others.
var schemaDefs = []map[string]any{
	{
		"id": coreUser, "name": "User", "description": "Un accès à l'extranet pour l'école du jeton",
		"attributes": []any{
			attr("userName", "string", "Identifiant unique de la personne dans l'école (l'adresse e-mail école, ou l'UPN du fournisseur d'identité)", true, false, "readWrite", "default", "server"),
			attr("name", "complex", "Nom de la personne", true, false, "readWrite", "default", "none",
				attr("familyName", "string", "Nom de famille", true, false, "readWrite", "default", "none"),
				attr("givenName", "string", "Prénom", true, false, "readWrite", "default", "none")),
			// externalId is a common attribute (RFC 7643 §3.1), which a
			// schema need not list; Microsoft Entra's validator looks for
			// it among the User's, since its mappings write it.
			attr("externalId", "string", "Identifiant de la personne chez le fournisseur d'identité (l'objectId d'Entra)", false, true, "readWrite", "default", "none"),
			attr("displayName", "string", "Nom affiché chez le fournisseur d'identité, tel qu'il l'a donné ; aucun s'il n'en donne pas", false, false, "readWrite", "default", "none"),
			multi(attr("emails", "complex", "L'adresse e-mail école, où l'accès est envoyé ; userName quand elle manque", false, false, "readWrite", "default", "none",
				// An address is one person's on the whole extranet (409
				// uniqueness otherwise), among the accesses open or
				// opening: a deactivated access gives its address up, as a
				// snapshot's does, so an inactive user may show an address
				// another user of the school holds. "server" (no two
				// resources) would promise more than that.
				attr("value", "string", "Adresse e-mail : celle d'une seule personne sur tout l'extranet parmi les utilisateurs actifs ; celle d'un utilisateur inactif peut être reprise par un autre", false, false, "readWrite", "default", "none"),
				canonicalValues(attr("type", "string", "Type d'adresse", false, false, "readWrite", "default", "none"), "work"),
				attr("primary", "boolean", "Adresse principale", false, false, "readWrite", "default", "none"))),
			attr("active", "boolean", "Accès ouvert (false : désactivé à l'instant)", false, false, "readWrite", "default", "none"),
		},
	},
	{
		"id": enterpriseUser, "name": "EnterpriseUser", "description": "Extension entreprise : le matricule",
		"attributes": []any{
			// A matricule names one person; the school has one user a
			// person (409 uniqueness otherwise).
			attr("employeeNumber", "string", "Matricule enseignant (11 chiffres) : il reconnaît la personne sans doute possible ; un seul utilisateur par matricule dans l'école", false, true, "readWrite", "default", "server"),
		},
	},
	{
		"id": extranetUser, "name": "ExtranetUser", "description": "Extension de l'extranet : date de naissance, rôle, état",
		"attributes": []any{
			attr("birthDate", "string", "Date de naissance AAAA-MM-JJ : avec le nom, elle reconnaît la personne quand le matricule manque", false, true, "readWrite", "default", "none"),
			canonicalValues(attr("role", "string", "Rôle sur l'extranet (Enseignant par défaut)", false, false, "readWrite", "default", "none"), "Enseignant", "Directeur"),
			canonicalValues(attr("state", "string", "État de l'accès : pending (ouvert la nuit prochaine), active, deactivated", false, true, "readOnly", "default", "none"), "pending", "active", "deactivated"),
		},
	},
}

func notFound(detail string) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 404, Detail: detail}
}
