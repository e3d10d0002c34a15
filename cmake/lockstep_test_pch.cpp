// The object library whose precompiled header every test executable reuses
// (cmake/LockstepExercise.cmake); it has no code of its own.
