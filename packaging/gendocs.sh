#!/bin/sh
# Writes the man pages of convlens and convlens-cli and convlens-cli's bash completion from the built programs' own
# --help, so that none of them can drift from the option tables in app/ (run at build time by packaging/CMakeLists.txt).
#   gendocs.sh man PROGRAM TEMPLATE VERSION OUT   PROGRAM: the built convlens or convlens-cli; TEMPLATE: its
#                                                 packaging/man/NAME.1.in (the hand-written sections around @HELP@)
#   gendocs.sh completion CLI OUT                 CLI: the built convlens-cli
# Needs only sh and awk. Qt's help layout: "Usage: ..." line, description, then "Options:", "Arguments:" (and
# convlens-cli's "Commands:") sections of two-space-indented entries whose wrapped lines are indented further.
set -eu

# The programs print their help without a display or a home of their own.
export QT_QPA_PLATFORM=offscreen
tmp_home=$(mktemp -d)
trap 'rm -rf "$tmp_home"' EXIT
export HOME="$tmp_home" XDG_CONFIG_HOME="$tmp_home/config" XDG_CACHE_HOME="$tmp_home/cache" \
       XDG_RUNTIME_DIR="$tmp_home/runtime"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

help_of() { "$@" --help 2>/dev/null; }

# The entries of one help text as tab-separated records: SECTION<TAB>SPEC<TAB>TEXT, where SECTION is "usage",
# "description", "verbatim" (an indented description line), or a section's name ("Options", "Arguments",
# "Commands"). Qt's own --help-all (the toolkit's options) is left out.
parse_help() {
    awk '
    function flush() {
        if (spec != "" && spec !~ /--help-all/) printf "%s\t%s\t%s\n", section, spec, text
        spec = ""; text = ""
    }
    BEGIN { section = "description" }
    NR == 1 && /^Usage: / { sub(/^Usage: +/, ""); printf "usage\t%s\t\n", $0; next }
    /^$/ { flush(); section = "description"; next }
    /^[A-Z][a-z]+:$/ { flush(); section = substr($0, 1, length($0) - 1); next }
    section == "description" {
        if ($0 ~ /^ /) { sub(/^ +/, ""); printf "verbatim\t\t%s\n", $0 } else printf "description\t\t%s\n", $0
        next
    }
    /^  [^ ]/ {
        flush()
        line = substr($0, 3)
        gap = match(line, /  +/)
        if (gap) { spec = substr(line, 1, gap - 1); text = substr(line, gap + RLENGTH) } else { spec = line; text = "" }
        next
    }
    /^   / { sub(/^ +/, ""); text = (text == "" ? $0 : text " " $0); next }
    END { flush() }
    '
}

# Troff for the parsed records on stdin: what `part` asks for. part=synopsis|description|options.
render() {
    awk -F '\t' -v part="$1" -v name="$2" '
    function esc(s) {
        gsub(/\\/, "\\e", s)
        return s
    }
    function line(s) {
        s = esc(s)
        if (s ~ /^[.'"'"']/) s = "\\&" s
        print s
    }
    # "--model <ID>", "-h, --help": option names bold (with real minus signs), placeholders italic.
    function optspec(s,   out, word, n, i, words) {
        n = split(s, words, " ")
        out = ""
        for (i = 1; i <= n; i++) {
            word = esc(words[i])
            if (word ~ /^<.*>$/) word = "\\fI" substr(word, 2, length(word) - 2) "\\fR"
            else if (word ~ /^-/) { gsub(/-/, "\\-", word); word = "\\fB" word "\\fR" }
            else word = "\\fI" word "\\fR"
            out = out (i > 1 ? " " : "") word
        }
        return out
    }
    part == "synopsis" && $1 == "usage" {
        n = split($2, words, " ")
        printf ".B %s\n", name
        rest = ""
        for (i = 2; i <= n; i++) {
            w = words[i]
            if (w == "[options]") rest = rest " [\\fIoptions\\fR]"
            else if (w ~ /^[a-z]/) rest = rest " \\fB" w "\\fR"
            else rest = rest " \\fI" esc(w) "\\fR"
        }
        sub(/^ /, "", rest)
        if (rest != "") print rest
    }
    part == "description" && $1 == "description" { line($3) }
    part == "description" && $1 == "verbatim" {
        if (!inverbatim) { print ".RS"; print ".nf"; inverbatim = 1 }
        line($3)
        next
    }
    part == "description" && inverbatim && $1 != "verbatim" { print ".fi"; print ".RE"; inverbatim = 0 }
    part == "options" && ($1 == "Options" || $1 == "Arguments") {
        print ".TP"
        print ($1 == "Options" ? optspec($2) : "\\fI" esc($2) "\\fR")
        line($3)
    }
    END { if (inverbatim) { print ".fi"; print ".RE" } }
    '
}

# convlens-cli's commands as NAME<TAB>SPEC<TAB>SUMMARY, from the "Commands:" section of its --help.
commands_of() {
    help_of "$1" | parse_help | awk -F '\t' '$1 == "Commands" { split($2, w, " "); printf "%s\t%s\t%s\n", w[1], $2, $3 }'
}

man_page() {
    program=$1 template=$2 version=$3 out=$4
    name=$(basename "$program")
    top=$(help_of "$program" | parse_help)
    body=$(mktemp)
    {
        echo ".SH SYNOPSIS"
        printf '%s\n' "$top" | render synopsis "$name"
        if [ -n "$(commands_of "$program")" ]; then
            commands_of "$program" | while IFS="$(printf '\t')" read -r command spec summary; do
                echo ".br"
                printf '.B %s\n' "$name"
                printf '%s\n' "$spec" | sed -e 's/\\/\\e/g' -e 's/-/\\-/g'
            done
        fi
        echo ".SH DESCRIPTION"
        printf '%s\n' "$top" | render description "$name"
        echo "@DESCRIPTION@"
        if [ -n "$(commands_of "$program")" ]; then
            echo ".SH COMMANDS"
            commands_of "$program" | while IFS="$(printf '\t')" read -r command spec summary; do
                printf '.SS "%s %s"\n' "$name" "$(printf '%s' "$spec" | sed 's/\\/\\e/g')"
                sub=$(help_of "$program" "$command" | parse_help)
                printf '%s\n' "$sub" | render description "$name"
                printf '%s\n' "$sub" | render options "$name"
            done
        fi
        echo ".SH OPTIONS"
        printf '%s\n' "$top" | render options "$name"
    } > "$body"
    # The template's @HELP@ line becomes the generated sections; its @DESCRIPTION@ block follows the help's own
    # description, so the hand-written introduction stays in one place.
    awk -v version="$version" -v body="$body" '
        /^@DESCRIPTION@$/ { indesc = 1; next }
        indesc && /^@END@$/ { indesc = 0; next }
        indesc { desc = desc $0 "\n"; next }
        { lines[++n] = $0 }
        END {
            for (i = 1; i <= n; i++) {
                l = lines[i]
                gsub(/@VERSION@/, version, l)
                if (l != "@HELP@") { print l; continue }
                while ((getline b < body) > 0) {
                    if (b == "@DESCRIPTION@") printf "%s", desc
                    else if (b !~ /^Run .convlens-cli <command> --help/) print b
                }
            }
        }' "$template" > "$out"
    rm -f "$body"
}

completion() {
    cli=$1 out=$2
    mkdir -p "$(dirname "$out")"
    {
        cat <<'EOF'
# bash completion for convlens-cli. Generated from `convlens-cli --help` by packaging/gendocs.sh: do not edit.

# The model ids convlens-cli knows (bundled and the user's own), for --model.
_convlens_cli_models()
{
    convlens-cli models 2>/dev/null | awk 'NR > 1 && !NF { exit } NR > 1 { print $1 }'
}

_convlens_cli()
{
    local cur prev words cword
    _init_completion || return
EOF
        commands=$(commands_of "$cli" | cut -f1 | tr '\n' ' ' | sed 's/ $//')
        printf '    if [[ $cword -eq 1 ]]; then\n'
        printf '        COMPREPLY=($(compgen -W "%s --help --version" -- "$cur"))\n' "$commands"
        printf '        return\n    fi\n'
        printf '    local options="" actions=""\n'
        printf '    case ${words[1]} in\n'
        commands_of "$cli" | while IFS="$(printf '\t')" read -r command spec summary; do
            records=$(help_of "$cli" "$command" | parse_help)
            options=$(printf '%s\n' "$records" | awk -F '\t' '$1 == "Options" {
                n = split($2, w, /[ ,]+/); for (i = 1; i <= n; i++) if (w[i] ~ /^-/) printf "%s ", w[i] }' |
                sed 's/ $//')
            # Words such as "list|fetch|verify|path" in the command list: the choices of the first argument.
            actions=$(printf '%s\n' "$spec" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+(\|[a-z]+)+$/) {
                gsub(/\|/, " ", $i); print $i; exit } }')
            printf '        %s) options="%s"; actions="%s" ;;\n' "$command" "$options" "$actions"
        done
        printf '    esac\n'
        # What an option's value is, from its placeholder in --help: <FILE>, <DIR>, <ID>.
        printf '    case $prev in\n'
        for command in $commands; do help_of "$cli" "$command" | parse_help; done |
            awk -F '\t' '$1 == "Options" && $2 ~ /</ {
                n = split($2, w, /[ ,]+/); placeholder = w[n]; gsub(/[<>]/, "", placeholder)
                if (placeholder == "FILE") action = "_filedir"
                else if (placeholder == "DIR") action = "_filedir -d"
                else if (placeholder ~ /^ID/) action = "COMPREPLY=($(compgen -W \"$(_convlens_cli_models)\" -- \"$cur\"))"
                else action = ":"  # a number, a list, a URL: nothing to offer
                for (i = 1; i < n; i++)
                    if (w[i] ~ /^--/ && !((action, w[i]) in seen)) {
                        seen[action, w[i]] = 1
                        names[action] = names[action] "|" w[i]
                    }
            }
            END { for (action in names) printf "        %s) %s; return ;;\n", substr(names[action], 2), action }' | sort
        printf '    esac\n'
        cat <<'EOF'
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    elif [[ -n $actions && $cword -eq 2 ]]; then
        COMPREPLY=($(compgen -W "$actions" -- "$cur"))
    elif [[ -n $actions ]]; then  # weights fetch|verify|path ID...
        COMPREPLY=($(compgen -W "$(_convlens_cli_models)" -- "$cur"))
    else
        _filedir
    fi
}
complete -F _convlens_cli convlens-cli
EOF
    } > "$out"
}

case "${1:-}" in
    man) shift; man_page "$@" ;;
    completion) shift; completion "$@" ;;
    *) sed -n '4,6p' "$0" >&2; exit 2 ;;
esac
