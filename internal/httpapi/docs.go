package httpapi

import (
	"bytes"
	"html/template"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// docsTemplate renders the spec as one readable page with no scripts and nothing fetched from elsewhere.
var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2733}
h1{margin-bottom:0}code,pre{font:13px ui-monospace,monospace;background:#f3f5f7;border-radius:4px}
code{padding:0 .25rem}pre{padding:.5rem;overflow:auto}.op{border:1px solid #d8dee4;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}.get{color:#0a7b32}.post{color:#0550ae}
.put,.patch{color:#9a6700}.delete{color:#cf222e}table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>{{.Title}}</h1><p>Version {{.Version}} · the machine-readable contract: <a href="/openapi.yaml">/openapi.yaml</a></p>
<div>{{.Description}}</div>
{{range .Ops}}<div class="op" id="{{.ID}}"><h3><span class="m {{.MethodLower}}">{{.Method}}</span> <code>{{.Path}}</code></h3>
<p><b>{{.Summary}}</b> <small>({{.ID}}{{if .Roles}}; who: {{.Roles}}{{end}})</small></p>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Required}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<p>Body: {{.Body}}</p>{{end}}
<table><tr><th>status</th><th>meaning</th></tr>{{range .Responses}}<tr><td>{{.Status}}</td><td>{{.Description}}</td></tr>{{end}}</table>
</div>{{end}}
<h2>Schemas</h2>{{range .Schemas}}<h3 id="schema-{{.Name}}">{{.Name}}</h3><pre>{{.JSON}}</pre>{{end}}
</body></html>`))

type docsOp struct {
	ID, Method, MethodLower, Path, Summary, Description, Body, Roles string
	Params                                                           []docsParam
	Responses                                                        []docsResponse
}
type docsParam struct {
	Name, In, Description string
	Required              bool
}
type docsResponse struct{ Status, Description string }
type docsSchema struct{ Name, JSON string }

func renderDocs(doc *openapi3.T) ([]byte, error) {
	var ops []docsOp
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			o := docsOp{ID: op.OperationID, Method: method, MethodLower: strings.ToLower(method), Path: path,
				Summary: op.Summary, Description: op.Description}
			if op.Security != nil {
				var roles []string
				for _, req := range *op.Security {
					for name, scopes := range req {
						roles = append(roles, name+" "+strings.Join(scopes, ", "))
					}
				}
				o.Roles = strings.Join(roles, "; ")
			}
			for _, p := range append(item.Parameters, op.Parameters...) {
				o.Params = append(o.Params, docsParam{p.Value.Name, p.Value.In, p.Value.Description, p.Value.Required})
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				var kinds []string
				for mt, c := range op.RequestBody.Value.Content {
					ref := ""
					if c.Schema != nil && c.Schema.Ref != "" {
						ref = " (" + c.Schema.Ref[strings.LastIndex(c.Schema.Ref, "/")+1:] + ")"
					}
					kinds = append(kinds, mt+ref)
				}
				sort.Strings(kinds)
				o.Body = strings.Join(kinds, ", ")
			}
			for status, r := range op.Responses.Map() {
				desc := ""
				if r.Value != nil && r.Value.Description != nil {
					desc = *r.Value.Description
				}
				o.Responses = append(o.Responses, docsResponse{status, desc})
			}
			sort.Slice(o.Responses, func(i, j int) bool { return o.Responses[i].Status < o.Responses[j].Status })
			ops = append(ops, o)
		}
	}
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	var schemas []docsSchema
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := doc.Components.Schemas[n].Value.MarshalJSON()
		if err != nil {
			return nil, err
		}
		var pretty bytes.Buffer
		if err := indentJSON(&pretty, b); err != nil {
			return nil, err
		}
		schemas = append(schemas, docsSchema{n, pretty.String()})
	}
	var out bytes.Buffer
	err := docsTemplate.Execute(&out, map[string]any{
		"Title": doc.Info.Title, "Version": doc.Info.Version, "Description": doc.Info.Description,
		"Ops": ops, "Schemas": schemas,
	})
	return out.Bytes(), err
}
