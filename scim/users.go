package scim

import (
	"net/http"
	"strconv"
	"strings"

	"passerelle/extranet"
)

// MaxResults is the most users one page lists (filter.maxResults).
const MaxResults = 1000

// query is a list or search request.
type query struct {
	filter              filter
	startIndex, count   int
	attributes, exclude []string
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, fase int) {
	q, err := parseQuery(r.URL.Query().Get("filter"), r.URL.Query().Get("startIndex"), r.URL.Query().Get("count"),
		splitList(r.URL.Query().Get("attributes")), splitList(r.URL.Query().Get("excludedAttributes")))
	if err != nil {
		writeError(w, err)
		return
	}
	h.list(w, r, fase, q)
}

// searchUsers is POST /Users/.search (RFC 7644 §3.4.3).
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, fase int) {
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	get := func(k string) string {
		v, _, _ := lookup(body, k)
		switch x := v.(type) {
		case string:
			return x
		case interface{ String() string }:
			return x.String()
		}
		return ""
	}
	list := func(k string) []string {
		v, _, _ := lookup(body, k)
		var out []string
		items, _ := v.([]any)
		for _, i := range items {
			if s, ok := i.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	q, err := parseQuery(get("filter"), get("startIndex"), get("count"), list("attributes"), list("excludedAttributes"))
	if err != nil {
		writeError(w, err)
		return
	}
	h.list(w, r, fase, q)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseQuery(f, start, count string, attrs, excl []string) (query, *extranet.SCIMError) {
	q := query{startIndex: 1, count: MaxResults, attributes: attrs, exclude: excl}
	if strings.TrimSpace(f) != "" {
		var err *extranet.SCIMError
		if q.filter, err = parseUserFilter(f); err != nil {
			return q, err
		}
	}
	if start != "" {
		n, err := strconv.Atoi(start)
		if err != nil {
			return q, invalid("startIndex : un nombre entier est attendu")
		}
		q.startIndex = max(n, 1)
	}
	if count != "" {
		n, err := strconv.Atoi(count)
		if err != nil {
			return q, invalid("count : un nombre entier est attendu")
		}
		q.count = min(max(n, 0), MaxResults)
	}
	return q, nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, fase int, q query) {
	users, err := h.svc.SCIMUsers(r.Context(), fase)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := h.baseURL(r)
	var found []map[string]any
	for _, u := range users {
		res := withMeta(u, base)
		if q.filter == nil || q.filter.match(res) {
			found = append(found, res)
		}
	}
	page := []any{}
	for i := q.startIndex - 1; i < len(found) && len(page) < q.count; i++ {
		page = append(page, project(found[i], q.attributes, q.exclude))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas": []string{listSchema}, "totalResults": len(found), "startIndex": q.startIndex,
		"itemsPerPage": len(page), "Resources": page,
	})
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, fase int) {
	u, err := h.svc.SCIMUser(r.Context(), fase, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := version(u)
	w.Header().Set("ETag", v)
	if matchesETag(r.Header.Get("If-None-Match"), v) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	q, perr := parseQuery("", "", "", splitList(r.URL.Query().Get("attributes")), splitList(r.URL.Query().Get("excludedAttributes")))
	if perr != nil {
		writeError(w, perr)
		return
	}
	writeJSON(w, http.StatusOK, project(withMeta(u, h.baseURL(r)), q.attributes, q.exclude))
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, fase int) {
	body, perr := readBody(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if !hasSchema(body, coreUser) {
		writeError(w, noUserSchema)
		return
	}
	in, perr := parseUser(body, extranet.SCIMUserInput{Role: DefaultRole, Active: true})
	if perr != nil {
		writeError(w, perr)
		return
	}
	u, err := h.svc.SCIMCreate(r.Context(), fase, in, h.options(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res := withMeta(u, h.baseURL(r))
	w.Header().Set("Location", h.baseURL(r)+"/Users/"+u.ID)
	w.Header().Set("ETag", version(u))
	writeJSON(w, http.StatusCreated, res)
}

func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request, fase int) {
	body, perr := readBody(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if !hasSchema(body, coreUser) {
		writeError(w, noUserSchema)
		return
	}
	h.write(w, r, fase, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		def := extranet.SCIMUserInput{ExternalID: cur.ExternalID, DisplayName: cur.DisplayName, Email: cur.Email, BirthDate: cur.BirthDate, Matricule: cur.Matricule,
			Role: cur.Role, Active: cur.Active}
		in, err := parseUser(body, def)
		if err != nil {
			return in, err
		}
		return in, nil
	})
}

func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, fase int) {
	body, perr := readBody(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	h.write(w, r, fase, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		res := resource(cur)
		if cur.DisplayName == "" {
			// Computed, not the client's: a patch does not keep it.
			delete(res, "displayName")
		}
		if err := applyPatch(res, body); err != nil {
			return extranet.SCIMUserInput{}, err
		}
		in, err := parseUser(res, extranet.SCIMUserInput{Active: cur.Active})
		if err != nil {
			return in, err
		}
		return in, nil
	})
}

// write runs a PUT or a PATCH: modify makes the new user of the current
// one, read in the write's transaction, after If-Match is checked.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, fase int, modify func(extranet.SCIMUser) (extranet.SCIMUserInput, error)) {
	ifMatch := r.Header.Get("If-Match")
	u, err := h.svc.SCIMReplace(r.Context(), fase, r.PathValue("id"), func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		if err := checkIfMatch(ifMatch, cur); err != nil {
			return extranet.SCIMUserInput{}, err
		}
		return modify(cur)
	}, h.options(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", version(u))
	writeJSON(w, http.StatusOK, withMeta(u, h.baseURL(r)))
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, fase int) {
	ifMatch := r.Header.Get("If-Match")
	err := h.svc.SCIMDelete(r.Context(), fase, r.PathValue("id"), func(cur extranet.SCIMUser) error {
		if err := checkIfMatch(ifMatch, cur); err != nil {
			return err
		}
		return nil
	}, h.options(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// options are the write options of a request: the confirmation of a held
// burst of deactivations, when the school's administrator sends it.
func (h *Handler) options(r *http.Request) extranet.SCIMOptions {
	n, _ := strconv.Atoi(strings.TrimSpace(r.Header.Get(extranet.ConfirmHeader)))
	return extranet.SCIMOptions{ConfirmDeactivations: n}
}

func checkIfMatch(header string, cur extranet.SCIMUser) *extranet.SCIMError {
	if header == "" || matchesETag(header, version(cur)) {
		return nil
	}
	return &extranet.SCIMError{Status: http.StatusPreconditionFailed,
		Detail: "l'utilisateur a changé depuis votre lecture (If-Match) : relisez-le, puis renvoyez la modification"}
}

// matchesETag reports whether an If-Match or If-None-Match header names v
// (weak comparison, RFC 9110 §8.8.3.2).
func matchesETag(header, v string) bool {
	weak := strings.TrimPrefix(v, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == weak {
			return true
		}
	}
	return false
}

// project keeps the attributes asked for, or drops those excluded (RFC
// 7644 §3.9); id and schemas are always returned.
func project(res map[string]any, attrs, exclude []string) map[string]any {
	if len(attrs) == 0 && len(exclude) == 0 {
		return res
	}
	out := map[string]any{}
	if len(attrs) > 0 {
		out["schemas"], out["id"] = res["schemas"], res["id"]
		for _, a := range attrs {
			copyPath(out, res, a)
		}
		return out
	}
	for k, v := range res {
		out[k] = v
	}
	for _, a := range exclude {
		p, err := attrPath(a)
		if err != nil || p[0] == "id" || p[0] == "schemas" {
			continue
		}
		if len(p) == 1 {
			_, key, _ := lookup(out, p[0])
			delete(out, key)
		} else if sub, ok := out[canonicalKey(out, p[0])].(map[string]any); ok {
			trimmed := map[string]any{}
			for k, v := range sub {
				if !strings.EqualFold(k, p[1]) {
					trimmed[k] = v
				}
			}
			out[canonicalKey(out, p[0])] = trimmed
		}
	}
	return out
}

func canonicalKey(m map[string]any, lower string) string {
	_, key, _ := lookup(m, lower)
	return key
}

func copyPath(dst, src map[string]any, a string) {
	p, err := attrPath(a)
	if err != nil {
		return
	}
	v, key, ok := lookup(src, p[0])
	if !ok {
		return
	}
	if len(p) == 1 {
		dst[key] = v
		return
	}
	sub, ok := v.(map[string]any)
	if !ok {
		if list, isList := v.([]any); isList {
			var items []any
			for _, it := range list {
				if o, ok := it.(map[string]any); ok {
					part := map[string]any{}
					copyPath(part, o, strings.Join(p[1:], "."))
					items = append(items, part)
				}
			}
			dst[key] = items
		}
		return
	}
	part, _ := dst[key].(map[string]any)
	if part == nil {
		part = map[string]any{}
	}
	copyPath(part, sub, strings.Join(p[1:], "."))
	dst[key] = part
}

// noUserSchema refuses a user without its schema (RFC 7643 §3: schemas is
// required).
var noUserSchema = &extranet.SCIMError{Status: 400, ScimType: "invalidSyntax",
	Detail: "schemas doit contenir " + coreUser}
