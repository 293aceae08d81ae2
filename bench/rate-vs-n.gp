# SPDX-License-Identifier: GPL-2.0
#
# Packet rate against the number of programs on the hook, tcx-dkms and
# clsact + cls_bpf on 6.1, native tcx and clsact + cls_bpf on 6.12,
# ingress and egress, from bench/report's rate-vs-n.dat:
#
#   gnuplot -e "datafile='build/bench/rate-vs-n.dat'" \
#           -e "outfile='build/bench/rate-vs-n.png'" \
#           -e "subtitle='...'" bench/rate-vs-n.gp
#
# Each point is the median of the runs, the bar their min-max.  Columns
# per curve: median, min, max (Mpps); curves in this order: tcx ingress,
# tc ingress, tcx egress, tc egress, tc one-priority ingress, egress (all
# 6.1), then 6.12's native tcx ingress, egress, tc ingress, egress (NaN
# without a 6.12 boot: gnuplot warns and leaves them out).

if (!exists("subtitle")) subtitle = ""

set terminal pngcairo size 1000,640 font "sans,11"
set output outfile
set title "Packet rate against programs on the hook\n{/*0.8 ".subtitle."}"
set xlabel "programs on the hook (N; 63 is tcx's maximum)"
set ylabel "packet rate (Mpps, median of the runs, bar: min-max)"
set logscale x 2
set xrange [0.8:80]
set xtics (1, 2, 4, 8, 16, 32, 63)
set yrange [0:*]
set grid
set key top right

col(c, k) = 1 + 3 * (c - 1) + k

plot datafile using 1:(column(col(1,1))):(column(col(1,2))):(column(col(1,3))) \
	with yerrorlines lw 2 lc rgb "#1f77b4" pt 7 title "tcx-dkms (6.1) ingress", \
     "" using 1:(column(col(2,1))):(column(col(2,2))):(column(col(2,3))) \
	with yerrorlines lw 2 lc rgb "#d62728" pt 7 title 'cls\_bpf (6.1) ingress', \
     "" using 1:(column(col(3,1))):(column(col(3,2))):(column(col(3,3))) \
	with yerrorlines lw 2 dt 2 lc rgb "#1f77b4" pt 5 title "tcx-dkms (6.1) egress", \
     "" using 1:(column(col(4,1))):(column(col(4,2))):(column(col(4,3))) \
	with yerrorlines lw 2 dt 2 lc rgb "#d62728" pt 5 title 'cls\_bpf (6.1) egress', \
     "" using 1:(column(col(5,1))):(column(col(5,2))):(column(col(5,3))) \
	with yerrorbars lc rgb "#ff7f0e" pt 9 ps 1.5 title 'cls\_bpf (6.1) ingress, one priority', \
     "" using 1:(column(col(6,1))):(column(col(6,2))):(column(col(6,3))) \
	with yerrorbars lc rgb "#ff7f0e" pt 11 ps 1.5 title 'cls\_bpf (6.1) egress, one priority', \
     "" using 1:(column(col(7,1))):(column(col(7,2))):(column(col(7,3))) \
	with yerrorlines lw 2 lc rgb "#2ca02c" pt 6 title "native tcx (6.12) ingress", \
     "" using 1:(column(col(8,1))):(column(col(8,2))):(column(col(8,3))) \
	with yerrorlines lw 2 dt 2 lc rgb "#2ca02c" pt 4 title "native tcx (6.12) egress", \
     "" using 1:(column(col(9,1))):(column(col(9,2))):(column(col(9,3))) \
	with yerrorlines lw 1 lc rgb "#9467bd" pt 6 title 'cls\_bpf (6.12) ingress', \
     "" using 1:(column(col(10,1))):(column(col(10,2))):(column(col(10,3))) \
	with yerrorlines lw 1 dt 2 lc rgb "#9467bd" pt 4 title 'cls\_bpf (6.12) egress'
