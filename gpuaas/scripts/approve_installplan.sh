# Take the Subscription $SUBSCRIPTION in $NAMESPACE to $CSV and no further. OLM offers the next
# version its upgrade graph allows (replaces / skipRange), not the pin itself, so an upgrade
# may take several install plans: approve each whose version of the package is at most the
# pin's, until the Subscription reports $CSV installed. Waits up to an hour; exits 0 then.
package="${CSV%%.*}"
pin="${CSV#*.}"
at_most_pin() { printf '%s\n%s\n' "$1" "$pin" | sort -V -C; }
for attempt in $(seq 1 360); do
  installed=$(oc get subscription "$SUBSCRIPTION" -n "$NAMESPACE" -o jsonpath='{.status.installedCSV}')
  if [ "$installed" = "$CSV" ]; then
    echo "$CSV installed"
    exit 0
  fi
  oc get installplan -n "$NAMESPACE" -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.approved}{" "}{.spec.clusterServiceVersionNames[*]}{"\n"}{end}' |
  while read -r plan approved names; do
    [ "$approved" = "false" ] || continue
    for name in $names; do
      case "$name" in "$package".*) ;; *) continue ;; esac
      if at_most_pin "${name#"$package".}"; then
        oc patch installplan "$plan" -n "$NAMESPACE" --type merge -p '{"spec":{"approved":true}}' &&
          echo "approved $plan ($name, on the way to $CSV)"
      fi
    done
  done
  sleep 10
done
echo "$SUBSCRIPTION in $NAMESPACE did not reach $CSV within an hour" >&2
exit 1
