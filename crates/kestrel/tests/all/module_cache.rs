//! The module cache (`api.md` §11): only with the cargo feature `module-cache`
//! (`cargo test -p kestrel --features module-cache`); without it, the one test here checks that
//! enabling the cache only logs a warning.

use kestrel::{Config, Engine, InstructionSetKind, Module, ModuleConfig, ProgramBlob, Reg};

use crate::common::{Program, load_imm, ret};

/// `export "main"`: returns `value` in A0.
fn blob(value: u32) -> ProgramBlob {
    let bytes =
        Program::new(InstructionSetKind::Latest64).code(&[load_imm(Reg::A0, value), ret()]).export(0, "main").bytes();
    ProgramBlob::parse(bytes.into()).expect("test program parses")
}

fn caching_engine(lru_cache_size: u32) -> Engine {
    let mut config = Config::new();
    config.set_cache_enabled(true).set_lru_cache_size(lru_cache_size);
    Engine::new(&config).expect("engine with the module cache")
}

#[cfg(not(feature = "module-cache"))]
mod feature_off {
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    use super::*;

    /// Collects the messages of warnings.
    #[derive(Clone, Default)]
    struct Warnings(Arc<Mutex<Vec<String>>>);

    struct Message(String);

    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = format!("{value:?}");
            }
        }
    }

    impl Subscriber for Warnings {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            *metadata.level() <= Level::WARN
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0.lock().unwrap().push(message.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn enabling_the_cache_only_warns() {
        let warnings = Warnings::default();
        let engine = tracing::subscriber::with_default(warnings.clone(), || caching_engine(4));
        let logged = warnings.0.lock().unwrap().clone();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert!(logged[0].contains("without the `module-cache` feature"), "{logged:?}");

        let blob = blob(1);
        let config = ModuleConfig::new();
        let first = Module::from_blob(&engine, &config, blob.clone()).unwrap();
        assert!(Module::from_cache(&engine, &config, &blob).is_none());
        let second = Module::from_blob(&engine, &config, blob).unwrap();
        assert!(!std::ptr::eq(first.memory_map(), second.memory_map()), "compiled twice");
    }
}

#[cfg(feature = "module-cache")]
mod feature_on {
    use std::sync::{Arc, Barrier};

    use kestrel::{CostModel, CostModelKind, GasMeteringKind, Linker};

    use super::*;

    /// The same compiled module (clones and revivals share it).
    fn same(a: &Module, b: &Module) -> bool {
        std::ptr::eq(a.memory_map(), b.memory_map())
    }

    fn run(module: &Module) -> u32 {
        let linker: Linker = Linker::new();
        let mut instance = linker.instantiate_pre(module).unwrap().instantiate().unwrap();
        instance.call_typed_and_get_result(&mut (), "main", ()).unwrap()
    }

    #[test]
    fn an_equal_key_returns_the_live_module() {
        let engine = caching_engine(0);
        let config = ModuleConfig::new();
        let blob = blob(7);
        assert!(Module::from_cache(&engine, &config, &blob).is_none(), "nothing compiled yet");
        let first = Module::from_blob(&engine, &config, blob.clone()).unwrap();
        let second = Module::from_blob(&engine, &ModuleConfig::new(), blob.clone()).unwrap();
        assert!(same(&first, &second));
        let found = Module::from_cache(&engine, &config, &blob).unwrap();
        assert!(same(&first, &found));
        assert_eq!(run(&found), 7);

        // Another engine has its own cache.
        let other_engine = caching_engine(0);
        assert!(Module::from_cache(&other_engine, &config, &blob).is_none());
    }

    #[test]
    fn a_different_setting_is_a_different_module() {
        let mut allow_paging = Config::new();
        allow_paging.set_cache_enabled(true).set_allow_dynamic_paging(true);
        let engine = Engine::new(&allow_paging).unwrap();
        let blob = blob(3);
        let base = ModuleConfig::new();
        let module = Module::from_blob(&engine, &base, blob.clone()).unwrap();

        let custom_model = || {
            let mut model = CostModel::naive();
            model.set_cost(kestrel::program::opcode::Opcode::LoadImm, 5);
            CostModelKind::from(Arc::new(model))
        };
        let variant = |what: &'static str, change: &dyn Fn(&mut ModuleConfig) -> &mut ModuleConfig| {
            let mut config = ModuleConfig::new();
            change(&mut config);
            (what, config)
        };
        let variants = [
            variant("page size", &|config| config.set_page_size(0x4000)),
            variant("aux data size", &|config| config.set_aux_data_size(0x1000)),
            variant("gas metering", &|config| config.set_gas_metering(Some(GasMeteringKind::Sync))),
            variant("dynamic paging", &|config| config.set_dynamic_paging(true)),
            variant("step tracing", &|config| config.set_step_tracing(true)),
            variant("strict", &|config| config.set_strict(true)),
            variant("per-instruction metering", &|config| {
                config.set_gas_metering(Some(GasMeteringKind::Sync)).set_per_instruction_metering(true)
            }),
            variant("cost model", &|config| config.set_cost_model(Some(custom_model()))),
        ];
        let mut others = Vec::new();
        for (what, config) in &variants {
            assert!(Module::from_cache(&engine, config, &blob).is_none(), "{what}");
            let other = Module::from_blob(&engine, config, blob.clone()).unwrap();
            assert!(!same(&module, &other), "{what}");
            assert!(same(&other, &Module::from_cache(&engine, config, &blob).unwrap()), "{what}");
            others.push(other);
        }
        // The cost model by contents: an equal custom model is the same key; the built-in naive
        // model set explicitly is the engine's default.
        let mut config = ModuleConfig::new();
        config.set_cost_model(Some(custom_model()));
        assert!(same(&others[7], &Module::from_blob(&engine, &config, blob.clone()).unwrap()));
        config.set_cost_model(Some(CostModelKind::naive()));
        assert!(same(&module, &Module::from_blob(&engine, &config, blob.clone()).unwrap()));
        // A separately allocated all-ones model is not the naive one (per-instruction metering
        // tells them apart), so it is another key.
        config.set_cost_model(Some(CostModelKind::from(Arc::new(CostModel::naive()))));
        assert!(!same(&module, &Module::from_blob(&engine, &config, blob).unwrap()));
    }

    #[test]
    fn by_identity_or_by_contents() {
        let engine = caching_engine(0);
        let bytes = blob(5).as_bytes().to_vec();
        let parse = || ProgramBlob::parse(bytes.clone().into()).unwrap();
        let (first_parse, second_parse) = (parse(), parse());
        assert_ne!(first_parse.unique_id(), second_parse.unique_id());

        let by_id = ModuleConfig::new();
        let a = Module::from_blob(&engine, &by_id, first_parse.clone()).unwrap();
        let b = Module::from_blob(&engine, &by_id, second_parse.clone()).unwrap();
        assert!(!same(&a, &b), "another parse is another blob");
        assert!(same(&a, &Module::from_blob(&engine, &by_id, first_parse.clone()).unwrap()), "a clone is the same");

        let mut by_hash = ModuleConfig::new();
        by_hash.set_cache_by_hash(true);
        assert!(Module::from_cache(&engine, &by_hash, &first_parse).is_none(), "the keys do not mix");
        let c = Module::from_blob(&engine, &by_hash, first_parse).unwrap();
        let d = Module::from_blob(&engine, &by_hash, second_parse.clone()).unwrap();
        assert!(same(&c, &d), "equal bytes");
        assert!(!same(&a, &c) && !same(&b, &c));
        assert!(same(&c, &Module::from_cache(&engine, &by_hash, &parse()).unwrap()));
        let other = Module::from_blob(&engine, &by_hash, blob(6)).unwrap();
        assert!(!same(&c, &other), "other bytes");
        assert_eq!((run(&c), run(&other)), (5, 6));

        // Raw JAM code: the instruction set is part of the key, not only the bytes.
        let code = [0u8, 1, 1, 0, 1];
        let jam = |isa| ProgramBlob::from_raw_jam_code(isa, code.to_vec().into()).unwrap();
        let jam_v1 = Module::from_blob(&engine, &by_hash, jam(InstructionSetKind::JamV1)).unwrap();
        let revive = Module::from_blob(&engine, &by_hash, jam(InstructionSetKind::ReviveV1)).unwrap();
        assert!(!same(&jam_v1, &revive));
        assert!(same(&jam_v1, &Module::from_blob(&engine, &by_hash, jam(InstructionSetKind::JamV1)).unwrap()));
    }

    #[test]
    fn dropped_modules_are_revived_from_the_lru() {
        let engine = caching_engine(2);
        let config = ModuleConfig::new();
        let (a, b, c) = (blob(1), blob(2), blob(3));
        let module = Module::from_blob(&engine, &config, a.clone()).unwrap();
        let map_address = std::ptr::from_ref(module.memory_map()) as usize;
        drop(module);
        let revived = Module::from_cache(&engine, &config, &a).expect("kept in the LRU");
        assert_eq!(std::ptr::from_ref(revived.memory_map()) as usize, map_address, "the same compiled module");
        assert!(same(&revived, &Module::from_blob(&engine, &config, a.clone()).unwrap()), "live again");
        assert_eq!(run(&revived), 1);

        // Least recently dropped first: drop a, b; revive a and drop it again; c evicts b.
        drop(revived);
        drop(Module::from_blob(&engine, &config, b.clone()).unwrap());
        drop(Module::from_cache(&engine, &config, &a).unwrap());
        drop(Module::from_blob(&engine, &config, c.clone()).unwrap());
        assert!(Module::from_cache(&engine, &config, &b).is_none(), "evicted");
        assert_eq!(run(&Module::from_cache(&engine, &config, &a).unwrap()), 1);
        assert_eq!(run(&Module::from_cache(&engine, &config, &c).unwrap()), 3);
    }

    #[test]
    fn a_zero_lru_forgets_dropped_modules() {
        let engine = caching_engine(0);
        let config = ModuleConfig::new();
        let blob = blob(4);
        let module = Module::from_blob(&engine, &config, blob.clone()).unwrap();
        let clone = module.clone();
        drop(module);
        assert!(Module::from_cache(&engine, &config, &blob).is_some(), "a clone is still alive");
        drop(clone);
        assert!(Module::from_cache(&engine, &config, &blob).is_none());
    }

    #[test]
    fn an_lru_of_one_evicts_the_older() {
        let engine = caching_engine(1);
        let config = ModuleConfig::new();
        let (a, b) = (blob(1), blob(2));
        let first = Module::from_blob(&engine, &config, a.clone()).unwrap();
        let second = Module::from_blob(&engine, &config, b.clone()).unwrap();
        drop(first);
        drop(second);
        assert!(Module::from_cache(&engine, &config, &a).is_none());
        assert!(Module::from_cache(&engine, &config, &b).is_some());
    }

    #[test]
    fn without_cache_enabled_nothing_is_cached() {
        let engine = Engine::new(&Config::new()).unwrap();
        let config = ModuleConfig::new();
        let blob = blob(8);
        let first = Module::from_blob(&engine, &config, blob.clone()).unwrap();
        assert!(Module::from_cache(&engine, &config, &blob).is_none());
        assert!(!same(&first, &Module::from_blob(&engine, &config, blob).unwrap()));
    }

    #[test]
    fn failed_compilations_are_not_cached() {
        let engine = caching_engine(4);
        let blob = blob(9);
        let mut config = ModuleConfig::new();
        config.set_page_size(0x1234);
        assert!(Module::from_blob(&engine, &config, blob.clone()).is_err());
        assert!(Module::from_cache(&engine, &config, &blob).is_none());
        assert!(Module::from_blob(&engine, &config, blob).is_err());
    }

    /// Like [`blob`], with thousands of instructions before: compiling takes long enough for two
    /// threads to both miss and compile.
    fn big_blob(value: u32) -> ProgramBlob {
        let mut code = vec![crate::common::add_imm_64(Reg::A1, Reg::A1, 1); 20_000];
        code.extend([load_imm(Reg::A0, value), ret()]);
        let bytes = Program::new(InstructionSetKind::Latest64).code(&code).export(0, "main").bytes();
        ProgramBlob::parse(bytes.into()).expect("test program parses")
    }

    #[test]
    fn two_threads_compiling_one_blob_share_the_module() {
        let engine = caching_engine(2);
        for round in 0..20 {
            let blob = big_blob(round);
            let barrier = Arc::new(Barrier::new(2));
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (engine, blob, barrier) = (engine.clone(), blob.clone(), Arc::clone(&barrier));
                    std::thread::spawn(move || {
                        barrier.wait();
                        Module::from_blob(&engine, &ModuleConfig::new(), blob).unwrap()
                    })
                })
                .collect();
            let modules: Vec<Module> = threads.into_iter().map(|thread| thread.join().unwrap()).collect();
            assert!(same(&modules[0], &modules[1]), "round {round}");
            assert_eq!(run(&modules[0]), round);
        }
    }

    #[test]
    fn concurrent_lookups_drops_and_revivals() {
        let engine = caching_engine(2);
        let blobs: Arc<Vec<ProgramBlob>> = Arc::new((0..4).map(blob).collect());
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let (engine, blobs) = (engine.clone(), Arc::clone(&blobs));
                std::thread::spawn(move || {
                    let config = ModuleConfig::new();
                    for i in 0..400usize {
                        let index = (i * 7 + thread) % blobs.len();
                        let module = if i % 3 == 0 {
                            Module::from_cache(&engine, &config, &blobs[index])
                        } else {
                            Some(Module::from_blob(&engine, &config, blobs[index].clone()).unwrap())
                        };
                        if let Some(module) = module {
                            assert_eq!(run(&module), index as u32);
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
}
