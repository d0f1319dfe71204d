package main

import (
	"context"
	"fmt"

	"passerelle/extranet"
)

func runExtranetSCIMConfirm(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("extranet school scim-confirm", "--db URL --fase N --count N",
		"Confirms a burst of SCIM deactivations that the guard holds (docs/scim.md): for the next\n24 hours, the school may deactivate up to --count users, counted as the refusal counted them.")
	count := fs.Int("count", 0, "the number of deactivations in 24 hours to allow, as the refusal gave it")
	check := func() error {
		if *count <= 0 {
			return usageErr("--count manquant : donnez le nombre de désactivations à permettre, tel que le refus l'indique")
		}
		return nil
	}
	return m.extranetSchoolCommand(ctx, args, fs, check, func(svc *extranet.Service, fase int) error {
		if err := svc.ConfirmSCIMDeactivations(ctx, fase, *count, m.actor()); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "École FASE %d : jusqu'à %d désactivations SCIM permises pendant 24 heures.\n", fase, *count)
		return nil
	})
}
