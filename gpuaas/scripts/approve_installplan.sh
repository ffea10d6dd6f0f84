# Approve the InstallPlan that installs $CSV in $NAMESPACE, and no other. Waits up to 15 minutes
# for OLM to create it; exits 0 once it is approved (or was already).
for attempt in $(seq 1 90); do
  for plan in $(oc get installplan -n "$NAMESPACE" -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.clusterServiceVersionNames[*]}{"\n"}{end}' | awk -v csv="$CSV" '{for (i = 2; i <= NF; i++) if ($i == csv) print $1}'); do
    oc patch installplan "$plan" -n "$NAMESPACE" --type merge -p '{"spec":{"approved":true}}' && echo "approved $plan ($CSV)" && exit 0
  done
  sleep 10
done
echo "no install plan for $CSV in $NAMESPACE after 15 minutes" >&2
exit 1
