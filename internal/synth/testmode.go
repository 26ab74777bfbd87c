package synth

// ChipTestSeed is the seed of the test ICAO PKI (CSCA, DSC) and test card
// PKI a kakunin server trusts for test-mode ic_chip verifications, and that
// virtual chips are issued from. Never trust it in live mode.
const ChipTestSeed int64 = 20270402
