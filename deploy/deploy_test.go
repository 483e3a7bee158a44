package deploy

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/config"
	"github.com/quangninh/feedback/openapi"
)

// The files under test, relative to this package's folder.
const (
	dockerfilePath  = "../Dockerfile"
	composeDir      = "compose"
	composeMain     = "compose/compose.yaml"
	composeEnvFile  = "compose/env.example"
	caddyfilePath   = "compose/Caddyfile"
	initSecretsPath = "compose/init-secrets.sh"
	k8sDir          = "k8s"
	probeScript     = "docker/qnprobe"
	ourImage        = "qnfeedback" // the last path element of our image's repository
)

// goRuntimeVars are read by the Go runtime of the service's binaries, not by internal/config.
var goRuntimeVars = map[string]bool{"GOMEMLIMIT": true, "GOGC": true, "GOMAXPROCS": true, "GODEBUG": true, "GOTRACEBACK": true}

// ---- what the service reads and serves ---------------------------------------------------------------------

// serviceVars is every variable internal/config reads, by name.
func serviceVars() map[string]config.Var {
	m := map[string]config.Var{}
	for _, v := range config.Vars() {
		m[v.Name] = v
	}
	return m
}

// readBy says whether the service reads the variable: a config.Vars() name, <name>_FILE, or a Go runtime variable.
func readBy(vars map[string]config.Var, name string) bool {
	if _, ok := vars[name]; ok {
		return true
	}
	if base, ok := strings.CutSuffix(name, "_FILE"); ok {
		_, ok := vars[base]
		return ok
	}
	return goRuntimeVars[name]
}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatalf("loading openapi/openapi.yaml: %v", err)
	}
	return doc
}

// ---- the deployment files, parsed ----------------------------------------------------------------------------

type yamlDoc struct {
	file  string
	index int
	m     map[string]any
}

func (d yamlDoc) String() string {
	if kind, name := str(d.m["kind"]), str(mp(d.m["metadata"])["name"]); kind != "" {
		return fmt.Sprintf("%s: %s/%s", d.file, kind, name)
	}
	return d.file
}

func isCompose(d yamlDoc) bool { _, ok := d.m["services"]; return ok && d.m["kind"] == nil }
func isK8s(d yamlDoc) bool     { return str(d.m["apiVersion"]) != "" && str(d.m["kind"]) != "" }

// yamlFiles lists every .yaml/.yml file under this folder.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no YAML files found under deploy/")
	}
	return files
}

// loadDocs parses every YAML file, every document of it.
func loadDocs(t *testing.T) []yamlDoc {
	t.Helper()
	var docs []yamlDoc
	for _, f := range yamlFiles(t) {
		docs = append(docs, parseYAMLFile(t, f)...)
	}
	return docs
}

func parseYAMLFile(t *testing.T, f string) []yamlDoc {
	t.Helper()
	file, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var docs []yamlDoc
	dec := yaml.NewDecoder(file)
	for i := 0; ; i++ {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: document %d is not valid YAML: %v", f, i+1, err)
		}
		if m == nil {
			continue // an empty document (a trailing ---)
		}
		docs = append(docs, yamlDoc{file: f, index: i, m: m})
	}
	return docs
}

// Tiny accessors for decoded YAML.
func mp(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
func sl(v any) []any {
	s, _ := v.([]any)
	return s
}
func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
func isTrue(v any) bool { b, ok := v.(bool); return ok && b }

// ---- containers: ours and the others, from Kubernetes, compose and the Dockerfile ------------------------------

type envVar struct {
	name, value string
	known       bool   // value is known (not from a Secret key or the host's environment)
	from        string // where it was set, for messages
}

type probe struct {
	kind, path, port string // kind: startup, liveness, readiness, healthcheck, load-balancer
}

type container struct {
	where     string // for messages
	source    string // k8s, compose, dockerfile
	image     string
	ours      bool
	command   []string
	env       []envVar
	readable  []string // paths readable through mounts (secret files and folders)
	writable  []string // writable mounts (emptyDir, tmpfs)
	readOnly  bool     // read-only root file system
	probes    []probe
	ports     map[string]string // named container ports → number (k8s)
	spec      map[string]any    // the k8s container or the compose service
	pod       map[string]any    // the k8s pod spec
	composeFn string            // the compose file
}

func (c container) envMap() map[string]string {
	m := map[string]string{}
	for _, e := range c.env {
		m[e.name] = e.value
	}
	return m
}

// isOurImage says whether an image reference is the service's image (any registry, any tag).
func isOurImage(ref string) bool {
	repo, _, _ := splitImage(ref)
	return path.Base(repo) == ourImage
}

// splitImage splits "registry/repo:tag@digest" into repository, tag and digest.
func splitImage(ref string) (repo, tag, digest string) {
	repo, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, digest
}

// k8sContainers reads the containers of every workload in the Kubernetes manifests, resolving envFrom
// ConfigMaps.
func k8sContainers(t *testing.T, docs []yamlDoc) []container {
	t.Helper()
	configMaps := map[string]map[string]any{}
	for _, d := range docs {
		if isK8s(d) && d.m["kind"] == "ConfigMap" {
			configMaps[str(mp(d.m["metadata"])["name"])] = mp(d.m["data"])
		}
	}
	var out []container
	for _, d := range docs {
		if !isK8s(d) {
			continue
		}
		var pod map[string]any
		switch d.m["kind"] {
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
			pod = mp(mp(mp(d.m["spec"])["template"])["spec"])
		case "CronJob":
			pod = mp(mp(mp(mp(mp(d.m["spec"])["jobTemplate"])["spec"])["template"])["spec"])
		case "Pod":
			pod = mp(d.m["spec"])
		default:
			continue
		}
		if pod == nil {
			t.Errorf("%s: no pod template", d)
			continue
		}
		volumes := map[string]map[string]any{}
		for _, v := range sl(pod["volumes"]) {
			volumes[str(mp(v)["name"])] = mp(v)
		}
		for _, list := range []string{"initContainers", "containers"} {
			for _, raw := range sl(pod[list]) {
				cs := mp(raw)
				c := container{
					where:  fmt.Sprintf("%s container %q", d, str(cs["name"])),
					source: "k8s", image: str(cs["image"]), spec: cs, pod: pod,
					ports: map[string]string{},
				}
				c.ours = isOurImage(c.image)
				for _, a := range append(sl(cs["command"]), sl(cs["args"])...) {
					c.command = append(c.command, str(a))
				}
				for _, p := range sl(cs["ports"]) {
					c.ports[str(mp(p)["name"])] = str(mp(p)["containerPort"])
				}
				for _, ef := range sl(cs["envFrom"]) {
					ef := mp(ef)
					prefix := str(ef["prefix"])
					switch {
					case ef["configMapRef"] != nil:
						name := str(mp(ef["configMapRef"])["name"])
						data, ok := configMaps[name]
						if !ok {
							t.Errorf("%s: envFrom ConfigMap %q is not in deploy/k8s", c.where, name)
							continue
						}
						for k, v := range data {
							c.env = append(c.env, envVar{name: prefix + k, value: str(v), known: true, from: "ConfigMap " + name})
						}
					default:
						t.Errorf("%s: envFrom other than a ConfigMap (%v): mount secrets as files and name them with <VAR>_FILE instead", c.where, ef)
					}
				}
				for _, e := range sl(cs["env"]) {
					e := mp(e)
					ev := envVar{name: str(e["name"]), value: str(e["value"]), known: e["valueFrom"] == nil, from: "env"}
					c.env = append(c.env, ev)
				}
				for _, vm := range sl(cs["volumeMounts"]) {
					vm := mp(vm)
					mount := str(vm["mountPath"])
					vol := volumes[str(vm["name"])]
					if vol == nil {
						t.Errorf("%s: volumeMount %q names no volume of the pod", c.where, str(vm["name"]))
						continue
					}
					c.readable = append(c.readable, mount)
					if vol["emptyDir"] != nil && !isTrue(vm["readOnly"]) {
						c.writable = append(c.writable, mount)
					}
				}
				sc := mp(cs["securityContext"])
				c.readOnly = isTrue(sc["readOnlyRootFilesystem"])
				for kind, key := range map[string]string{"startup": "startupProbe", "liveness": "livenessProbe", "readiness": "readinessProbe"} {
					if p := mp(cs[key]); p != nil {
						hg := mp(p["httpGet"])
						if hg == nil {
							t.Errorf("%s: %s is not an httpGet probe", c.where, key)
							continue
						}
						port := str(hg["port"])
						if n, ok := c.ports[port]; ok {
							port = n
						}
						c.probes = append(c.probes, probe{kind: kind, path: str(hg["path"]), port: port})
					}
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// composeEnv is what compose interpolates ${VAR} with: the settings of env.example (what init-secrets.sh
// copies to .env).
func composeEnv(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(composeEnvFile)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not KEY=VALUE", composeEnvFile, line)
			continue
		}
		env[k] = v
	}
	return env
}

var interpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate does compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR, $$.
func interpolate(s string, env map[string]string) (string, error) {
	var errs []error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		g := interpolation.FindStringSubmatch(m)
		name, op, arg := g[1], g[2], g[3]
		if name == "" {
			name = g[4]
		}
		v, set := env[name]
		switch op {
		case ":-":
			if v == "" {
				return arg
			}
		case "-":
			if !set {
				return arg
			}
		case ":?", "?":
			if v == "" {
				errs = append(errs, fmt.Errorf("${%s} is required (%s) but %s does not set it", name, arg, composeEnvFile))
			}
		default:
			if !set {
				errs = append(errs, fmt.Errorf("${%s} has no default and %s does not set it", name, composeEnvFile))
			}
		}
		return v
	})
	return out, errors.Join(errs...)
}

// composeContainers reads every service of every compose file.
func composeContainers(t *testing.T, docs []yamlDoc) []container {
	t.Helper()
	env := composeEnv(t)
	var out []container
	for _, d := range docs {
		if !isCompose(d) {
			continue
		}
		names := make([]string, 0, len(mp(d.m["services"])))
		for n := range mp(d.m["services"]) {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			svc := mp(mp(d.m["services"])[name])
			c := container{where: fmt.Sprintf("%s: service %q", d.file, name), source: "compose", spec: svc, composeFn: d.file}
			ip := func(what, s string) string {
				v, err := interpolate(s, env)
				if err != nil {
					t.Errorf("%s: %s: %v", c.where, what, err)
				}
				return v
			}
			c.image = ip("image", str(svc["image"]))
			c.ours = isOurImage(c.image)
			switch cmd := svc["command"].(type) {
			case string:
				c.command = strings.Fields(cmd)
			case []any:
				for _, a := range cmd {
					c.command = append(c.command, str(a))
				}
			}
			switch e := svc["environment"].(type) {
			case map[string]any:
				for k, v := range e {
					c.env = append(c.env, envVar{name: k, value: ip(k, str(v)), known: v != nil, from: "environment"})
				}
			case []any:
				for _, kv := range e {
					k, v, ok := strings.Cut(str(kv), "=")
					c.env = append(c.env, envVar{name: k, value: ip(k, v), known: ok, from: "environment"})
				}
			}
			for _, s := range sl(svc["secrets"]) {
				source, target := str(s), ""
				if m := mp(s); m != nil {
					source, target = str(m["source"]), str(m["target"])
				}
				if target == "" {
					target = source
				}
				if !strings.HasPrefix(target, "/") {
					target = "/run/secrets/" + target
				}
				c.readable = append(c.readable, target)
			}
			for _, tm := range sl(svc["tmpfs"]) {
				dir, _, _ := strings.Cut(str(tm), ":")
				c.writable = append(c.writable, dir)
			}
			for _, v := range sl(svc["volumes"]) {
				if m := mp(v); m != nil { // long syntax
					if !isTrue(m["read_only"]) {
						c.writable = append(c.writable, str(m["target"]))
					}
					continue
				}
				parts := strings.Split(str(v), ":") // [source:]target[:mode]
				target, mode := parts[0], ""
				if len(parts) > 1 {
					target = parts[1]
				}
				if len(parts) > 2 {
					mode = parts[2]
				}
				if !slices.Contains(strings.Split(mode, ","), "ro") {
					c.writable = append(c.writable, target)
				}
			}
			c.readOnly = isTrue(svc["read_only"])
			if hc := mp(svc["healthcheck"]); hc != nil && !isTrue(hc["disable"]) {
				var words []string
				switch test := hc["test"].(type) {
				case string:
					words = strings.Fields(test)
				case []any:
					for _, w := range test {
						words = append(words, str(w))
					}
				}
				if i := slices.Index(words, "qnprobe"); i >= 0 && i+1 < len(words) {
					c.probes = append(c.probes, probe{kind: "healthcheck", path: words[i+1]})
				} else if c.ours {
					t.Errorf("%s: health check %q does not use qnprobe PATH, so its path cannot be checked", c.where, words)
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// ---- the Dockerfile ---------------------------------------------------------------------------------------------

type instruction struct {
	line    int
	cmd     string // upper case
	args    string
	stage   int // index of the stage it belongs to; -1 before the first FROM
	fromArg string
}

// parseDockerfile returns the instructions (continuation lines joined, comments dropped) and the stages' FROM
// images with the global ARG defaults substituted.
func parseDockerfile(t *testing.T) (ins []instruction, froms []string) {
	t.Helper()
	b, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]string{}
	stage := -1
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // a comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if s, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(trimmed)
		full := cur.String()
		cur.Reset()
		cmd, rest, _ := strings.Cut(full, " ")
		cmd = strings.ToUpper(cmd)
		rest = strings.TrimSpace(rest)
		switch cmd {
		case "ARG":
			if stage == -1 {
				k, v, _ := strings.Cut(rest, "=")
				args[k] = v
			}
		case "FROM":
			stage++
			fields := strings.Fields(rest)
			var image string
			for _, f := range fields {
				if !strings.HasPrefix(f, "--") {
					image = f
					break
				}
			}
			image = os.Expand(image, func(k string) string { return args[k] })
			froms = append(froms, image)
		}
		ins = append(ins, instruction{line: start, cmd: cmd, args: rest, stage: stage})
	}
	if stage < 0 {
		t.Fatalf("%s: no FROM", dockerfilePath)
	}
	return ins, froms
}

// dockerfileContainer is the image's own configuration (final stage ENV and HEALTHCHECK) as a container.
func dockerfileContainer(t *testing.T) container {
	t.Helper()
	ins, froms := parseDockerfile(t)
	final := len(froms) - 1
	c := container{where: dockerfilePath + " (final stage)", source: "dockerfile", image: ourImage, ours: true}
	for _, in := range ins {
		if in.stage != final {
			continue
		}
		switch in.cmd {
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				c.env = append(c.env, envVar{name: k, value: strings.Trim(v, `"`), known: true, from: fmt.Sprintf("ENV on line %d", in.line)})
			}
		case "HEALTHCHECK":
			_, cmd, ok := strings.Cut(in.args, "CMD ")
			var words []string
			if !ok || json.Unmarshal([]byte(cmd), &words) != nil {
				t.Errorf("%s:%d: HEALTHCHECK should be CMD [\"qnprobe\", \"/path\"] (exec form)", dockerfilePath, in.line)
				continue
			}
			if i := slices.Index(words, "qnprobe"); i >= 0 && i+1 < len(words) {
				c.probes = append(c.probes, probe{kind: "healthcheck", path: words[i+1]})
			} else {
				t.Errorf("%s:%d: HEALTHCHECK %q does not use qnprobe PATH", dockerfilePath, in.line, words)
			}
		}
	}
	return c
}

func allContainers(t *testing.T) []container {
	t.Helper()
	docs := loadDocs(t)
	cs := k8sContainers(t, docs)
	cs = append(cs, composeContainers(t, docs)...)
	return append(cs, dockerfileContainer(t))
}

func ours(t *testing.T, cs []container) []container {
	t.Helper()
	var out []container
	for _, c := range cs {
		if c.ours {
			out = append(out, c)
		}
	}
	// Both Deployments, the three compose services and the Dockerfile at least: a parsing slip must not
	// turn every check below into a no-op.
	if len(out) < 6 {
		t.Fatalf("found only %d containers running our image %q; the parser lost some", len(out), ourImage)
	}
	return out
}

// ---- the checks -------------------------------------------------------------------------------------------------

// Every YAML file parses and is a Kubernetes object, a kustomization or a compose file; the kustomization
// lists every manifest of deploy/k8s (optional/ aside) and nothing missing.
func TestManifestsParse(t *testing.T) {
	docs := loadDocs(t)
	byFile := map[string]int{}
	for _, d := range docs {
		byFile[d.file]++
		if !isK8s(d) && !isCompose(d) {
			t.Errorf("%s (document %d): neither a Kubernetes object (apiVersion, kind) nor a compose file (services)", d.file, d.index+1)
		}
	}
	for _, f := range yamlFiles(t) {
		if byFile[f] == 0 {
			t.Errorf("%s: no YAML document in it", f)
		}
	}

	var kust map[string]any
	for _, d := range docs {
		if d.m["kind"] == "Kustomization" && filepath.Dir(d.file) == k8sDir {
			kust = d.m
		}
	}
	if kust == nil {
		t.Fatalf("%s/kustomization.yaml is missing", k8sDir)
	}
	listed := map[string]bool{}
	for _, r := range sl(kust["resources"]) {
		listed[str(r)] = true
		if _, err := os.Stat(filepath.Join(k8sDir, str(r))); err != nil {
			t.Errorf("%s/kustomization.yaml lists %q, which does not exist", k8sDir, str(r))
		}
	}
	entries, err := os.ReadDir(k8sDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".yaml") && n != "kustomization.yaml" && !listed[n] {
			t.Errorf("%s/%s is not in kustomization.yaml's resources: `kubectl apply -k` would leave it out", k8sDir, n)
		}
	}
}

// (a) Every environment variable set for our containers is one the service reads.
func TestEnvVarsAreReadByTheService(t *testing.T) {
	vars := serviceVars()
	for _, c := range ours(t, allContainers(t)) {
		t.Run(c.where, func(t *testing.T) {
			names := map[string]bool{}
			for _, e := range c.env {
				names[e.name] = true
				if !readBy(vars, e.name) {
					t.Errorf("%s sets %s (%s), which the service does not read: not a name of config.Vars(), "+
						"nor <name>_FILE, nor a Go runtime variable. A typo, or a variable the service lost?", c.where, e.name, e.from)
				}
			}
			for n := range names {
				if base, ok := strings.CutSuffix(n, "_FILE"); ok && names[base] {
					t.Errorf("%s sets both %s and %s: the file wins silently; set one", c.where, base, n)
				}
			}
		})
	}
}

// (a, continued) The values parse: config.Load accepts each container's environment (secret files stand in
// with placeholders), so a bad duration, level or endpoint shows here and not at the first deploy.
func TestEnvValuesLoad(t *testing.T) {
	placeholder := map[string]string{
		"MONGO_URI":       "mongodb://qnfeedback:secret@mongo:27017/?replicaSet=rs0&w=majority",
		"JWT_SIGNING_KEY": "placeholder",
		"OTP_PEPPER":      strings.Repeat("p", 32),
	}
	for _, c := range ours(t, allContainers(t)) {
		if c.source == "dockerfile" {
			continue // the image alone is not a complete configuration
		}
		t.Run(c.where, func(t *testing.T) {
			env := c.envMap()
			getenv := func(k string) string {
				if _, ok := env[k+"_FILE"]; ok {
					if v, ok := placeholder[k]; ok {
						return v
					}
					return "placeholder"
				}
				if strings.HasSuffix(k, "_FILE") {
					return "" // never read a file of this machine
				}
				return env[k]
			}
			if _, err := config.Load(getenv); err != nil {
				t.Errorf("%s: the service would refuse this configuration:\n%v", c.where, err)
			}
		})
	}
}

// Every <VAR>_FILE names a file a mount provides (a Secret volume, a compose secret).
func TestSecretFilesAreMounted(t *testing.T) {
	for _, c := range ours(t, allContainers(t)) {
		if c.source == "dockerfile" {
			continue
		}
		for _, e := range c.env {
			if !strings.HasSuffix(e.name, "_FILE") || !e.known {
				continue
			}
			if !mounted(c.readable, e.value) {
				t.Errorf("%s: %s=%s, but no volume or secret is mounted there (mounts: %v)", c.where, e.name, e.value, c.readable)
			}
		}
	}
}

func mounted(mounts []string, file string) bool {
	for _, m := range mounts {
		if file == m || strings.HasPrefix(file, strings.TrimSuffix(m, "/")+"/") {
			return true
		}
	}
	return false
}

// (b) Every probe and health check asks for a route of the spec, with the right meaning: liveness and start-up
// on /healthz (never /readyz: a MongoDB outage would restart every pod), readiness on /readyz.
func TestProbesUseRealRoutes(t *testing.T) {
	spec := loadSpec(t)
	checkPath := func(where, p string) {
		t.Helper()
		if spec.Paths.Find(p) == nil {
			t.Errorf("%s probes %q, which is not a path of openapi/openapi.yaml", where, p)
		}
	}
	want := map[string]string{"startup": "/healthz", "liveness": "/healthz", "readiness": "/readyz"}
	for _, c := range ours(t, allContainers(t)) {
		serves := c.source == "dockerfile" || !slices.Contains(c.command, "/qndispatch")
		for _, p := range c.probes {
			checkPath(c.where, p.path)
			if w, ok := want[p.kind]; ok && p.path != w {
				t.Errorf("%s: %s probe on %s; it must be %s", c.where, p.kind, p.path, w)
			}
			if c.source == "k8s" {
				if httpPort := portOf(c.envMap()["HTTP_ADDR"]); p.port != httpPort {
					t.Errorf("%s: %s probe on port %q, but the service listens on %s (HTTP_ADDR)", c.where, p.kind, p.port, httpPort)
				}
			}
		}
		kinds := map[string]bool{}
		for _, p := range c.probes {
			kinds[p.kind] = true
		}
		switch {
		case c.source == "k8s" && serves:
			for _, k := range []string{"startup", "liveness", "readiness"} {
				if !kinds[k] {
					t.Errorf("%s serves HTTP but has no %s probe", c.where, k)
				}
			}
		case c.source == "compose" && serves:
			if !slices.ContainsFunc(c.probes, func(p probe) bool { return p.path == "/readyz" }) {
				t.Errorf("%s serves HTTP but has no health check on /readyz (Caddy's depends_on waits for it)", c.where)
			}
		case c.source == "compose" && !serves:
			// The image's HEALTHCHECK asks the API port: a process without HTTP must switch it off.
			if hc := mp(c.spec["healthcheck"]); !isTrue(hc["disable"]) {
				t.Errorf("%s runs %v, which serves no HTTP: set healthcheck.disable, or the image's check marks it unhealthy", c.where, c.command)
			}
		case c.source == "dockerfile":
			if len(c.probes) == 0 {
				t.Errorf("%s has no HEALTHCHECK", c.where)
			}
		}
	}

	// Caddy's active health check of the API replicas.
	b, err := os.ReadFile(caddyfilePath)
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]bool{}
	for _, c := range composeContainers(t, loadDocs(t)) {
		if c.ours && c.composeFn == composeMain {
			services[strings.TrimPrefix(c.where, composeMain+": service ")] = true
		}
	}
	blocks := regexp.MustCompile(`(?s)reverse_proxy ([^{\n]+)\{(.*?)\n\t\}`).FindAllStringSubmatch(string(b), -1)
	found := false
	for _, blk := range blocks {
		upstreams := strings.Fields(blk[1])
		var api []string
		for _, u := range upstreams {
			host, port, _ := strings.Cut(u, ":")
			if services[strconv.Quote(host)] {
				api = append(api, host)
				if port != "8080" {
					t.Errorf("%s: upstream %s: the API listens on 8080", caddyfilePath, u)
				}
			}
		}
		if len(api) == 0 {
			continue
		}
		found = true
		if len(api) < 2 {
			t.Errorf("%s: the API site balances over %v; compose runs two replicas", caddyfilePath, api)
		}
		m := regexp.MustCompile(`health_uri\s+(\S+)`).FindStringSubmatch(blk[2])
		if m == nil {
			t.Errorf("%s: reverse_proxy %v has no health_uri: a replica that is not ready keeps getting traffic", caddyfilePath, api)
			continue
		}
		checkPath(caddyfilePath+" health_uri", m[1])
		if m[1] != "/readyz" {
			t.Errorf("%s: health_uri %s; the load balancer needs readiness, /readyz", caddyfilePath, m[1])
		}
	}
	if !found {
		t.Errorf("%s: no reverse_proxy to the compose API services %v", caddyfilePath, services)
	}
}

// portOf returns the port of a listen address like ":8080" (the default when empty).
func portOf(addr string) string {
	if addr == "" {
		addr = serviceVars()["HTTP_ADDR"].Default
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return port
}

// (c) Containers run as non-root, unprivileged, read-only, with resources; temp files land on a writable
// volume.
func TestContainersAreHardened(t *testing.T) {
	for _, c := range allContainers(t) {
		switch c.source {
		case "k8s":
			t.Run(c.where, func(t *testing.T) { checkK8sContainer(t, c) })
		case "compose":
			if c.ours {
				t.Run(c.where, func(t *testing.T) { checkComposeContainer(t, c) })
			}
		}
	}
}

func checkK8sContainer(t *testing.T, c container) {
	sc, psc := mp(c.spec["securityContext"]), mp(c.pod["securityContext"])
	// effective: the container's setting, else the pod's.
	eff := func(key string) any {
		if v, ok := sc[key]; ok {
			return v
		}
		return psc[key]
	}
	if !isTrue(eff("runAsNonRoot")) {
		t.Errorf("%s: runAsNonRoot is not true (container or pod securityContext)", c.where)
	}
	if u := eff("runAsUser"); u != nil && str(u) == "0" {
		t.Errorf("%s: runAsUser is 0 (root)", c.where)
	}
	if v, ok := sc["allowPrivilegeEscalation"]; !ok || isTrue(v) {
		t.Errorf("%s: allowPrivilegeEscalation must be false", c.where)
	}
	if isTrue(sc["privileged"]) {
		t.Errorf("%s: privileged", c.where)
	}
	if !c.readOnly {
		t.Errorf("%s: readOnlyRootFilesystem must be true", c.where)
	}
	drop := sl(mp(sc["capabilities"])["drop"])
	if !slices.ContainsFunc(drop, func(v any) bool { return str(v) == "ALL" }) {
		t.Errorf("%s: capabilities.drop must contain ALL", c.where)
	}
	if len(sl(mp(sc["capabilities"])["add"])) > 0 {
		t.Errorf("%s: adds capabilities %v", c.where, mp(sc["capabilities"])["add"])
	}
	if str(mp(eff("seccompProfile"))["type"]) != "RuntimeDefault" {
		t.Errorf("%s: seccompProfile.type must be RuntimeDefault", c.where)
	}
	res := mp(c.spec["resources"])
	for _, want := range []string{"requests.cpu", "requests.memory", "limits.cpu", "limits.memory"} {
		group, name, _ := strings.Cut(want, ".")
		if str(mp(res[group])[name]) == "" {
			t.Errorf("%s: resources.%s is not set", c.where, want)
		}
	}
	if c.ours {
		checkTempDir(t, c)
	}
}

func checkComposeContainer(t *testing.T, c container) {
	if u := str(c.spec["user"]); u == "root" || u == "0" || strings.HasPrefix(u, "0:") {
		t.Errorf("%s: user %q; the image's non-root user must be kept", c.where, u)
	}
	if isTrue(c.spec["privileged"]) {
		t.Errorf("%s: privileged", c.where)
	}
	if !c.readOnly {
		t.Errorf("%s: read_only must be true", c.where)
	}
	if !slices.ContainsFunc(sl(c.spec["cap_drop"]), func(v any) bool { return str(v) == "ALL" }) {
		t.Errorf("%s: cap_drop must contain ALL", c.where)
	}
	limits := mp(mp(mp(c.spec["deploy"])["resources"])["limits"])
	if str(limits["memory"]) == "" || str(limits["cpus"]) == "" {
		t.Errorf("%s: deploy.resources.limits needs memory and cpus (got %v)", c.where, limits)
	}
	checkTempDir(t, c)
}

// checkTempDir: with a read-only root file system, photos must be spooled on a writable mount.
func checkTempDir(t *testing.T, c container) {
	if !c.readOnly {
		return
	}
	dir := c.envMap()["UPLOAD_TEMP_DIR"]
	if dir == "" {
		dir = "/tmp" // os.TempDir() in the image (TMPDIR unset)
	}
	if !mounted(c.writable, dir) && !slices.Contains(c.writable, dir) {
		t.Errorf("%s: the root file system is read-only but UPLOAD_TEMP_DIR (%s) is on no writable mount (emptyDir/tmpfs: %v); uploads would fail", c.where, dir, c.writable)
	}
}

// (c) Every image carries a pinned tag (or a digest), never latest; the kustomization pins our image too.
func TestImagesArePinned(t *testing.T) {
	check := func(where, ref string) {
		t.Helper()
		_, tag, digest := splitImage(ref)
		switch {
		case ref == "":
			t.Errorf("%s: no image", where)
		case strings.Contains(ref, "$"):
			t.Errorf("%s: image %q has an unresolved variable", where, ref)
		case digest == "" && tag == "":
			t.Errorf("%s: image %q has no tag: it means latest", where, ref)
		case tag == "latest":
			t.Errorf("%s: image %q: latest is not a version", where, ref)
		}
	}
	docs := loadDocs(t)
	for _, c := range k8sContainers(t, docs) {
		check(c.where, c.image)
	}
	for _, c := range composeContainers(t, docs) {
		if c.image == "" && c.composeFn != composeMain {
			continue // an override file that only adds settings to a service of compose.yaml
		}
		check(c.where, c.image)
	}
	_, froms := parseDockerfile(t)
	stages := map[string]bool{}
	ins, _ := parseDockerfile(t)
	for _, in := range ins {
		if in.cmd == "FROM" {
			if _, alias, ok := strings.Cut(strings.ToLower(in.args), " as "); ok {
				stages[strings.TrimSpace(alias)] = true
			}
		}
	}
	for i, f := range froms {
		if !stages[f] {
			check(fmt.Sprintf("%s stage %d", dockerfilePath, i+1), f)
		}
	}
	for _, d := range docs {
		if d.m["kind"] != "Kustomization" {
			continue
		}
		for _, im := range sl(d.m["images"]) {
			im := mp(im)
			if tag := str(im["newTag"]); (tag == "" && str(im["digest"]) == "") || tag == "latest" {
				t.Errorf("%s: images entry %v does not pin a tag or digest", d.file, im)
			}
		}
	}
}

// (d) The image's final stage runs as a numeric non-root user (numeric, so Kubernetes' runAsNonRoot can
// check it), the same the manifests run as; binaries are static.
func TestDockerfile(t *testing.T) {
	ins, froms := parseDockerfile(t)
	final := len(froms) - 1
	var user string
	var buildsStatic, trimpath bool
	for _, in := range ins {
		if in.cmd == "USER" && in.stage == final {
			user = in.args
		}
		if in.cmd == "ENV" && strings.Contains(in.args, "CGO_ENABLED=0") {
			buildsStatic = true
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") && strings.Contains(in.args, "-trimpath") {
			trimpath = true
		}
	}
	uidStr, gidStr, _ := strings.Cut(user, ":")
	uid, err := strconv.Atoi(uidStr)
	switch {
	case user == "":
		t.Errorf("%s: the final stage has no USER: the container would run as root", dockerfilePath)
	case err != nil:
		t.Errorf("%s: USER %q is not numeric; Kubernetes' runAsNonRoot cannot verify a user name", dockerfilePath, user)
	case uid == 0:
		t.Errorf("%s: USER %q is root", dockerfilePath, user)
	}
	if gidStr != "" {
		if gid, err := strconv.Atoi(gidStr); err != nil || gid == 0 {
			t.Errorf("%s: USER %q: the group must be numeric and not 0", dockerfilePath, user)
		}
	}
	if !buildsStatic || !trimpath {
		t.Errorf("%s: binaries must be built with CGO_ENABLED=0 and -trimpath (static: CGO_ENABLED=0 %v, -trimpath %v)", dockerfilePath, buildsStatic, trimpath)
	}
	// The manifests run as the image's user (secret file modes and fsGroup rely on it).
	for _, c := range k8sContainers(t, loadDocs(t)) {
		if !c.ours {
			continue
		}
		for _, sc := range []map[string]any{mp(c.spec["securityContext"]), mp(c.pod["securityContext"])} {
			if u, ok := sc["runAsUser"]; ok && uidStr != "" && str(u) != uidStr {
				t.Errorf("%s: runAsUser %v, but the image's USER is %s", c.where, u, uidStr)
			}
		}
	}
}

// Every file compose.yaml mounts exists: configs in the repository, secrets made by init-secrets.sh.
func TestComposeFilesExist(t *testing.T) {
	script, err := os.ReadFile(initSecretsPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range loadDocs(t) {
		if !isCompose(d) {
			continue
		}
		for name, v := range mp(d.m["configs"]) {
			if f := str(mp(v)["file"]); f != "" {
				if _, err := os.Stat(filepath.Join(filepath.Dir(d.file), f)); err != nil {
					t.Errorf("%s: config %s: %v", d.file, name, err)
				}
			}
		}
		for name, v := range mp(d.m["secrets"]) {
			f := str(mp(v)["file"])
			base, ok := strings.CutPrefix(f, "./secrets/")
			if !ok {
				t.Errorf("%s: secret %s: file %q is not under ./secrets/, where init-secrets.sh writes", d.file, name, f)
				continue
			}
			if !regexp.MustCompile(`(?m)^new ` + regexp.QuoteMeta(base) + ` `).Match(script) {
				t.Errorf("%s: secret %s (%s) is not made by %s: `up` would fail on a fresh checkout", d.file, name, f, initSecretsPath)
			}
		}
		// Every secret a service uses is declared.
		for svcName, svc := range mp(d.m["services"]) {
			for _, s := range sl(mp(svc)["secrets"]) {
				src := str(s)
				if m := mp(s); m != nil {
					src = str(m["source"])
				}
				if _, ok := mp(d.m["secrets"])[src]; !ok && d.file == composeMain {
					t.Errorf("%s: service %s uses secret %q, which is not declared", d.file, svcName, src)
				}
			}
		}
	}
}

// init-secrets.sh makes secrets the service accepts: config.Load passes with compose's environment and the
// generated files, the JWT key is an Ed25519 PKCS#8 key, the MongoDB URI asks for majority writes. A second
// run changes nothing.
func TestInitSecrets(t *testing.T) {
	for _, tool := range []string{"bash", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed: %v (bash and openssl come with Debian)", tool, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "secrets")
	envFile := filepath.Join(t.TempDir(), ".env")
	run := func() string {
		out, err := exec.Command("bash", initSecretsPath, dir, envFile).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", initSecretsPath, err, out)
		}
		return string(out)
	}
	run()
	first := readDir(t, dir)
	if out := run(); !strings.Contains(out, "already there") {
		t.Errorf("second run of %s created files again:\n%s", initSecretsPath, out)
	}
	if again := readDir(t, dir); !maps(first, again) {
		t.Errorf("second run of %s changed secrets", initSecretsPath)
	}

	key, err := token.ParsePrivateKeyPEM([]byte(first["jwt_signing_key.pem"]))
	if err != nil || len(key) == 0 {
		t.Errorf("jwt_signing_key.pem: %v", err)
	}
	u, err := url.Parse(strings.TrimSpace(first["mongo_uri"]))
	if err != nil {
		t.Fatalf("mongo_uri: %v", err)
	}
	q := u.Query()
	if q.Get("w") != "majority" || q.Get("replicaSet") == "" || q.Get("readConcernLevel") != "majority" {
		t.Errorf("mongo_uri %s: wants replicaSet, w=majority and readConcernLevel=majority", config.MaskURI(u.String()))
	}
	if pw, _ := u.User.Password(); pw != strings.TrimSpace(first["mongo_app_password"]) {
		t.Errorf("mongo_uri's password is not mongo_app_password: mongo-init.js would create another")
	}

	// The compose API service, its /run/secrets files replaced by the generated ones.
	var api *container
	for _, c := range composeContainers(t, loadDocs(t)) {
		if c.ours && c.composeFn == composeMain && !slices.Contains(c.command, "/qndispatch") {
			api = &c
			break
		}
	}
	if api == nil {
		t.Fatal("no API service in compose.yaml")
	}
	env := api.envMap()
	getenv := func(k string) string {
		v := env[k]
		if f, ok := strings.CutPrefix(v, "/run/secrets/"); ok && strings.HasSuffix(k, "_FILE") {
			return filepath.Join(dir, f)
		}
		return v
	}
	if _, err := config.Load(getenv); err != nil {
		t.Errorf("%s with the secrets init-secrets.sh made: the service would refuse to start:\n%v", api.where, err)
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// qnprobe, the image's health probe, exits 0 on 200 only.
func TestQnprobe(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash not installed")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	tests := []struct {
		name, addr, path string
		ok               bool
	}{
		{"200 answer", srv.Listener.Addr().String(), "/healthz", true},
		{"200 on :port (the default form)", ":" + port, "/healthz", true},
		{"503 answer", srv.Listener.Addr().String(), "/readyz", false},
		{"nothing listening", closedAddr, "/healthz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("bash", probeScript, tt.path)
			cmd.Env = append(os.Environ(), "HTTP_ADDR="+tt.addr)
			out, err := cmd.CombinedOutput()
			if ok := err == nil; ok != tt.ok {
				t.Errorf("qnprobe %s with HTTP_ADDR=%s: success %v, want %v (%v)\n%s", tt.path, tt.addr, ok, tt.ok, err, out)
			}
		})
	}
}

// TestDockerfileBuildStage runs the build stage's go build as the Dockerfile writes it (its ENV, its
// flags, its packages; only /out/ becomes a temporary folder) and checks that it gives the two commands
// the image runs, both static: no Docker engine is needed to know the build stage works.
func TestDockerfileBuildStage(t *testing.T) {
	ins, froms := parseDockerfile(t)
	env := os.Environ()
	var build string
	for _, in := range ins {
		if in.stage != 0 {
			continue
		}
		if in.cmd == "ENV" {
			env = append(env, strings.Fields(in.args)...)
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			build = in.args
		}
	}
	if len(froms) < 2 || build == "" {
		t.Fatalf("%s: no go build in the first stage", dockerfilePath)
	}
	cmdline := build[strings.Index(build, "go build"):]
	cmdline, _, _ = strings.Cut(cmdline, ";")
	out := t.TempDir()
	cmdline = strings.Replace(cmdline, "/out/", out+"/", 1)
	if !strings.Contains(cmdline, out) {
		t.Fatalf("%s: the go build does not write to /out/: %s", dockerfilePath, cmdline)
	}
	cmd := exec.Command("bash", "-c", "GOOS=$(go env GOOS) GOARCH=$(go env GOARCH) "+cmdline)
	cmd.Dir = ".."
	cmd.Env = append(env, "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %s: %v\n%s", dockerfilePath, cmdline, err, b)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		f, err := elf.Open(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked (has an ELF interpreter)", e.Name())
			}
		}
		f.Close()
	}
	if want := []string{"qndispatch", "qnfeedback"}; !slices.Equal(names, want) {
		t.Errorf("the build stage made %v, want %v", names, want)
	}
}
