//! Dates, durations and date specifications as Pacemaker's rules use them.
